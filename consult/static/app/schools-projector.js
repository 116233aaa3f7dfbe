// Projector page: keep the count of pupils who have sent their answers up to date.
// Polls the session's status endpoint; stops once the session has closed.
const box = document.getElementById('session-live')
if (box && box.dataset.sessionStatusUrl) {
  const url = box.dataset.sessionStatusUrl
  const count = document.getElementById('submission-count')
  const every = 5000
  const tick = async () => {
    try {
      const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      if (res.ok && (res.headers.get('Content-Type') || '').includes('json')) {
        const data = await res.json()
        count.textContent = String(data.count)
        // Staff page only: say when more answers than expected have come in.
        const over = document.getElementById('over-expected')
        if (over && data.over_expected > 0) {
          document.getElementById('over-expected-text').textContent = data.over_expected_text
          over.hidden = false
        }
        // Join-code guessing alerts (consult/schools/join_limits.py): show them as they
        // start and stop.
        const alerts = document.getElementById('guessing-alerts')
        if (alerts && Array.isArray(data.guessing) &&
            data.guessing.length !== Number(alerts.dataset.count || 0)) {
          window.location.reload()
          return
        }
        if (data.status === 'closed') {
          window.location.reload()
          return
        }
      }
    } catch (err) {
      // A dropped connection: try again at the next tick.
    }
    setTimeout(tick, every)
  }
  setTimeout(tick, every)
}

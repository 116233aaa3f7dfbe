// Session timeout warning: shown a few minutes before anonymous progress expires.
// "Continue" extends the session on the server; every page load restarts the clock.
const box = document.getElementById('timeout-warning')
if (box) {
  const lifetime = Number(box.dataset.lifetime) * 1000
  const warning = Number(box.dataset.warning) * 1000
  let timer
  const schedule = () => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      box.hidden = false
      document.getElementById('timeout-continue').focus()
    }, Math.max(lifetime - warning, 0))
  }
  document.getElementById('timeout-continue').addEventListener('click', async () => {
    const body = new URLSearchParams({ csrf_token: box.dataset.csrf })
    const res = await fetch(box.dataset.keepalive, { method: 'POST', body, credentials: 'same-origin' })
    if (res.ok) {
      box.hidden = true
      schedule()
    } else {
      window.location.reload()
    }
  })
  schedule()
}

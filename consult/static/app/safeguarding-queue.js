// Safeguarding queue: say when new answers arrive, so a lead with the queue open does not
// have to keep refreshing. Polls the open count; the table itself changes only when the
// lead chooses to reload (nothing moves under their cursor).
const box = document.getElementById('queue-watch')
if (box && box.dataset.countsUrl) {
  const url = box.dataset.countsUrl
  const shown = Number(box.dataset.openCount || '0')
  const message = document.getElementById('queue-watch-message')
  const panel = document.getElementById('queue-watch-box') // hidden until there is news
  const every = 15000
  const tick = async () => {
    try {
      const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      if (res.ok && (res.headers.get('Content-Type') || '').includes('json')) {
        const data = await res.json()
        const more = Number(data.open) - shown
        if (more > 0) {
          message.textContent = more === 1
            ? '1 new answer to review. Refresh the page to see it.'
            : `${more} new answers to review. Refresh the page to see them.`
          panel.hidden = false
        }
      }
    } catch (err) {
      // A dropped connection: try again at the next tick.
    }
    setTimeout(tick, every)
  }
  setTimeout(tick, every)
}

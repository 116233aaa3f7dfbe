// Progress of background jobs (analysis runs, theme splits). The page holds the job's
// status URL; the job's state lives on the server, so a reload picks up where it was.
const POLL_MS = 1500

function watch (box) {
  const url = box.dataset.jobUrl
  const doneUrl = box.dataset.doneUrl
  const bar = box.querySelector('progress')
  const percent = box.querySelector('#job-percent, [data-job-percent]')
  const stage = box.querySelector('#job-stage, [data-job-stage]')
  const message = box.querySelector('#job-message')
  let failures = 0

  async function poll () {
    try {
      const response = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      if (response.redirected || !response.ok) throw new Error('status ' + response.status)
      const job = await response.json()
      failures = 0
      if (bar) { bar.value = job.percent; bar.textContent = job.percent + '%' }
      if (percent) percent.textContent = job.percent + '%'
      if (stage) stage.textContent = job.stage || (job.status === 'queued' ? 'Waiting to start' : '')
      if (job.done) {
        window.location.assign(doneUrl)
        return
      }
    } catch (err) {
      failures += 1
      if (message && failures >= 3) {
        message.hidden = false
        message.textContent = 'Cannot check the progress just now. The analysis carries on; refresh the page to check again.'
      }
    }
    window.setTimeout(poll, POLL_MS * Math.min(1 + failures, 5))
  }
  window.setTimeout(poll, POLL_MS)
}

document.querySelectorAll('[data-job-url]').forEach(watch)

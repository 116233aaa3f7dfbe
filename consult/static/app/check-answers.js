// "Check answers": single-key shortcuts (documented on the page). A key presses the button
// with data-shortcut="key", or moves to the box with data-shortcut-focus="key". Keys
// typed into a box are left alone; Escape leaves the box.
function typing (el) {
  return el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable)
}

document.addEventListener('keydown', function (event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return
  if (typing(event.target)) {
    if (event.key === 'Escape') event.target.blur()
    return
  }
  const key = event.key.toLowerCase()
  const button = document.querySelector('[data-shortcut="' + key + '"]')
  if (button) {
    event.preventDefault()
    button.click()
    return
  }
  const box = document.querySelector('[data-shortcut-focus="' + key + '"]')
  if (box) {
    event.preventDefault()
    box.focus()
  }
})

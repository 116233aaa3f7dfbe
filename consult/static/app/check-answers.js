// "Check answers": single-key shortcuts (documented on the page). A key presses the button
// with data-shortcut="key", or moves to the box with data-shortcut-focus="key".
// WCAG 2.1.4: the shortcuts can be turned off with the "Use single-key shortcuts" box on
// the page (remembered in this browser), and act only when no text field has focus: keys
// typed into a box are left alone; Escape leaves the box.
const STORE = 'consult.checkShortcuts'

function typing (el) {
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable)
}

function remembered () {
  try {
    return window.localStorage.getItem(STORE) !== 'off'
  } catch (e) {
    return true // storage blocked: shortcuts on, the box still turns them off for this page
  }
}

let enabled = remembered()

function show () {
  // The "(a)" hints and the list of keys describe shortcuts that work: hidden when off.
  document.querySelectorAll('.app-key, [data-shortcut-help]').forEach(function (el) {
    el.hidden = !enabled
  })
  const state = document.getElementById('shortcuts-state')
  if (state) state.textContent = enabled ? '' : 'Single-key shortcuts are off.'
}

const toggle = document.getElementById('shortcuts-on')
if (toggle) {
  toggle.checked = enabled
  document.getElementById('shortcut-setting').hidden = false
  toggle.addEventListener('change', function () {
    enabled = toggle.checked
    try {
      window.localStorage.setItem(STORE, enabled ? 'on' : 'off')
    } catch (e) {}
    show()
  })
}
show()

document.addEventListener('keydown', function (event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return
  if (typing(event.target) || typing(document.activeElement)) {
    if (event.key === 'Escape' && typing(event.target)) event.target.blur()
    return
  }
  if (!enabled) return
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

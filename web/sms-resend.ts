/**
 * "Resend code" on the text-message pages: disabled, with "You can ask for a new code in N seconds"
 * counting down, until the wait is over. The button carries `data-resend-in` (seconds) and
 * `data-resend-status` (the id of the line to update). Without this script the button works at once
 * and the server refuses an early resend, saying how long to wait.
 */
for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-resend-in]')) {
  const status = document.getElementById(button.dataset.resendStatus ?? '')
  const seconds = Number(button.dataset.resendIn)
  if (status === null || !(seconds > 0)) continue
  // A deadline rather than a count of ticks: a background tab's timers run late.
  const until = Date.now() + seconds * 1000
  button.disabled = true
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000)
    if (left > 0) {
      status.textContent = `You can ask for a new code in ${left} second${left === 1 ? '' : 's'}.`
      return
    }
    clearInterval(timer)
    button.disabled = false
    status.textContent = "Didn't get it? You can ask for a new code."
  }
  const timer = setInterval(tick, 250)
  tick()
}

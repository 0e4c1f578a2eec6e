/**
 * "Copy key" and "Copy codes" (gateway/views/copy-button.tsx). A button carries `data-copy` (the exact
 * text to copy), `data-copy-status` (the id of its status region) and `data-copy-done` (what that
 * region then says). The buttons are rendered hidden and shown only where the Clipboard API exists: it
 * is missing outside secure contexts, where the page still offers selecting the text.
 */
const labelBackAfterMs = 2000

if (typeof navigator.clipboard?.writeText === 'function') {
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy]')) {
    const status = document.getElementById(button.dataset.copyStatus ?? '')
    const label = button.textContent
    let labelBack: ReturnType<typeof setTimeout> | undefined
    button.hidden = false
    button.addEventListener('click', async () => {
      // Emptied first, so a second copy is announced again: a live region speaks only when it changes.
      if (status) status.textContent = ''
      try {
        await navigator.clipboard.writeText(button.dataset.copy ?? '')
      } catch {
        if (status) status.textContent = 'Copying did not work. Select the text and copy it yourself.'
        return
      }
      button.textContent = 'Copied'
      if (status) status.textContent = button.dataset.copyDone ?? 'Copied to the clipboard.'
      clearTimeout(labelBack)
      labelBack = setTimeout(() => {
        button.textContent = label
      }, labelBackAfterMs)
    })
  }
}

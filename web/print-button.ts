/**
 * "Print" on the recovery-codes page. The button is rendered hidden, so a browser without scripts
 * shows only what works there (the download link).
 */
for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-print]')) {
  button.hidden = false
  button.addEventListener('click', () => window.print())
}

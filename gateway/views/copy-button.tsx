/**
 * A button that puts `text` on the clipboard, exactly as given: the markup is a contract with
 * web/copy-button.ts. It is rendered `hidden` and shown by the script only where the Clipboard API
 * exists, so a browser without either offers only what works there (selecting or downloading the
 * text). The status region says "copied" to screen readers; it is present (empty) from the start,
 * since they only announce changes to live regions that existed when the page loaded.
 */
export function CopyButton({
  text,
  statusId,
  done,
  small = false,
  children,
}: {
  text: string
  /** The id of the status region, unique on the page. */
  statusId: string
  /** What the status region says once the text is on the clipboard: "Key copied to the clipboard." */
  done: string
  /** Beside a line of text (the key), rather than in a row of buttons. */
  small?: boolean
  /** The button's label: "Copy key". */
  children: string
}) {
  return (
    <>
      <button
        class={
          small ? 'button button-secondary button-small copy-button' : 'button button-secondary copy-button'
        }
        type="button"
        data-copy={text}
        data-copy-status={statusId}
        data-copy-done={done}
        hidden
      >
        {children}
      </button>
      <span class="visually-hidden" id={statusId} role="status" aria-live="polite"></span>
    </>
  )
}

import { FieldError } from './field-error.tsx'

export interface CodeFieldProps {
  digits: number
  /** Shown above the field and announced to screen readers. */
  error?: string | undefined
  autofocus: boolean
  /** Another id where two code fields share a page (the app's and the text message's). */
  id?: string
  /** The id of the hint the page words for its step. */
  hintId?: string
}

/**
 * The one-time-code input with its error message, shared by every page that asks for a numeric code.
 * The label and the hint belong to the page, which words them for its step. No `pattern`, and room
 * for separators: a code pasted as apps show it ("123 456") arrives whole and the server reads it.
 */
export function CodeField({ digits, error, autofocus, id = 'code', hintId = 'code-hint' }: CodeFieldProps) {
  const errorId = `${id}-error`
  return (
    <>
      <FieldError id={errorId} error={error} />
      <input
        class="input input-code"
        id={id}
        name="code"
        type="text"
        autocomplete="one-time-code"
        inputmode="numeric"
        minlength={digits}
        maxlength={2 * digits}
        autocapitalize="off"
        spellcheck={false}
        required
        autofocus={autofocus}
        aria-describedby={error ? `${errorId} ${hintId}` : hintId}
        aria-invalid={error ? 'true' : undefined}
      />
    </>
  )
}

import { ErrorIcon } from './icons.tsx'

export interface CodeFieldProps {
  digits: number
  /** Shown above the field and announced to screen readers. */
  error?: string | undefined
  autofocus: boolean
}

/**
 * The one-time-code input with its error message, shared by every page that asks for a code. The
 * label and the hint (id "code-hint") belong to the page, which words them for its step.
 */
export function CodeField({ digits, error, autofocus }: CodeFieldProps) {
  return (
    <>
      {error ? (
        <p class="field-error" id="code-error" role="alert">
          <ErrorIcon />
          <span>{error}</span>
        </p>
      ) : null}
      <input
        class="input input-code"
        id="code"
        name="code"
        type="text"
        autocomplete="one-time-code"
        inputmode="numeric"
        pattern="[0-9]*"
        minlength={digits}
        maxlength={digits}
        autocapitalize="off"
        spellcheck={false}
        required
        autofocus={autofocus}
        aria-describedby={error ? 'code-error code-hint' : 'code-hint'}
        aria-invalid={error ? 'true' : undefined}
      />
    </>
  )
}

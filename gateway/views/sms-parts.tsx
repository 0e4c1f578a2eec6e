import { FieldError } from './field-error.tsx'

/**
 * Pieces shared by the pages that send a text-message code. The resend button is a contract with
 * web/sms-resend.ts: `data-resend-in` (seconds to wait) and `data-resend-status` (the id of the line
 * that says so). Without the script the server still refuses an early resend, saying how long to wait.
 */

/** A speech bubble with three dots: a code that arrives as a message. */
export function MessageIcon() {
  return (
    <svg class="key-icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
      <path d="M6 4.75h12A2.25 2.25 0 0 1 20.25 7v7A2.25 2.25 0 0 1 18 16.25h-7.25L6.5 19.5v-3.25H6A2.25 2.25 0 0 1 3.75 14V7A2.25 2.25 0 0 1 6 4.75Z" />
      <path d="M8.25 10.5h.01M12 10.5h.01M15.75 10.5h.01" />
    </svg>
  )
}

/** The mobile number a code is texted to, E.164 as the hint explains; `error` is a refused number. */
export function PhoneNumberField({
  id,
  value,
  error,
  autofocus = false,
  extraClass,
}: {
  id: string
  value?: string | undefined
  error?: string | undefined
  autofocus?: boolean
  extraClass?: string
}) {
  const hintId = `${id}-hint`
  const errorId = `${id}-error`
  return (
    <div class={['field', error ? 'field-invalid' : undefined, extraClass].filter(Boolean).join(' ')}>
      <label class="label" for={id}>
        Mobile number
      </label>
      <p class="hint" id={hintId}>
        Start with + and the country code, for example +44 7700 900123.
      </p>
      <FieldError id={errorId} error={error} />
      <input
        class="input input-phone"
        id={id}
        name="phone"
        type="tel"
        autocomplete="tel"
        inputmode="tel"
        maxlength={40}
        required
        autofocus={autofocus}
        value={value}
        placeholder="+44 7700 900123"
        aria-describedby={error ? `${errorId} ${hintId}` : hintId}
        aria-invalid={error ? 'true' : undefined}
      />
    </div>
  )
}

/** "27 seconds", "1 second". */
export function secondsText(seconds: number): string {
  return `${seconds} second${seconds === 1 ? '' : 's'}`
}

/** "Resend code", waiting out the cooldown: the page script counts down and enables it. */
export function ResendForm({
  action,
  csrfToken,
  resendInSeconds,
}: {
  action: string
  csrfToken: string
  resendInSeconds: number
}) {
  return (
    <form class="resend-form" method="post" action={action}>
      <input type="hidden" name="csrf" value={csrfToken} />
      <input type="hidden" name="resend" value="yes" />
      <p class="hint" id="resend-status">
        {resendInSeconds > 0
          ? `You can ask for a new code in ${secondsText(resendInSeconds)}.`
          : "Didn't get it? You can ask for a new code."}
      </p>
      <button
        class="button button-secondary button-small"
        type="submit"
        data-resend-in={resendInSeconds > 0 ? String(resendInSeconds) : undefined}
        data-resend-status={resendInSeconds > 0 ? 'resend-status' : undefined}
        aria-describedby="resend-status"
      >
        Resend code
      </button>
    </form>
  )
}

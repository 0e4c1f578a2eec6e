import type { Child } from 'hono/jsx'
import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { CodeField } from './code-field.tsx'
import { FieldError } from './field-error.tsx'
import { MethodHead } from './method-head.tsx'
import { MessageIcon, ResendForm } from './sms-parts.tsx'

/** What the 2fa page shows of the user's text-message factor. */
export interface SmsChallenge {
  /** "+44 •••• ••12". */
  maskedNumber: string
  /** A code is waiting to be entered: the code field shows instead of "Send code". */
  codeSent: boolean
  /** "5 minutes". */
  validFor: string
  /** Seconds before "Resend code" works; 0 once it does. */
  resendInSeconds: number
}

export interface SmsMethodProps {
  urls: TapgateUrls
  csrfToken: string
  sms: SmsChallenge
  /** A refused send or a code that no longer works: shown above the button that sends one. */
  sendError: string | undefined
  /** A refused code, at the code field. */
  codeError: string | undefined
  /** The "trust this device" box, posted with the code. */
  trustField: Child
}

/**
 * The 2fa page's text-message method, as seeds 001 and 002 describe it: nothing is sent until the
 * user asks ("Send code"); then the code field, and "Resend code" once the wait is over.
 */
export function SmsMethod({ urls, csrfToken, sms, sendError, codeError, trustField }: SmsMethodProps) {
  return (
    <section class="method" id="sms" aria-labelledby="sms-title">
      <MethodHead icon={<MessageIcon />} titleId="sms-title">
        Text message
      </MethodHead>
      {sms.codeSent ? (
        <>
          <p class="method-text" id="sms-code-hint">
            We sent a 6-digit code to <strong class="nowrap">{sms.maskedNumber}</strong>. It expires in{' '}
            {sms.validFor}.
          </p>
          <form class="form sms-form" method="post" action={urls.secondFactor.sms}>
            <input type="hidden" name="csrf" value={csrfToken} />
            <div class={codeError ? 'field field-invalid' : 'field'}>
              <label class="label" for="sms-code">
                Code from the text message
              </label>
              <CodeField digits={6} id="sms-code" hintId="sms-code-hint" error={codeError} autofocus={true} />
            </div>
            {trustField}
            <button class="button button-primary button-block" type="submit">
              Verify
            </button>
          </form>
          <FieldError id="sms-send-error" error={sendError} />
          <ResendForm
            action={urls.secondFactor.smsSend}
            csrfToken={csrfToken}
            resendInSeconds={sms.resendInSeconds}
          />
        </>
      ) : (
        <>
          <p class="method-text" id="sms-hint">
            We text a 6-digit code to <strong class="nowrap">{sms.maskedNumber}</strong> when you ask for it.
          </p>
          <FieldError id="sms-send-error" error={sendError} />
          <form class="sms-send-form" method="post" action={urls.secondFactor.smsSend}>
            <input type="hidden" name="csrf" value={csrfToken} />
            <button class="button button-primary button-block" type="submit" aria-describedby="sms-hint">
              Send code
            </button>
          </form>
        </>
      )}
    </section>
  )
}

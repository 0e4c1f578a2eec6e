import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { CodeField } from './code-field.tsx'
import { FieldError } from './field-error.tsx'
import { Layout } from './layout.tsx'
import { PhoneNumberField, ResendForm } from './sms-parts.tsx'

/** A code sent to the number being added, waiting to be entered. */
export interface PendingNumber {
  /** "+44 •••• ••12". */
  maskedNumber: string
  /** Seconds before "Resend code" works; 0 once it does. */
  resendInSeconds: number
}

export interface SmsSetupPageProps {
  urls: TapgateUrls
  username: string
  csrfToken: string
  /** Where the forms post: the code (`<prefix>/enroll/sms` or `<prefix>/account/sms`) and "Send code". */
  actions: { code: string; send: string }
  /** `enroll`: the first way in; `add` and `change`: from the account page. */
  purpose: 'enroll' | 'add' | 'change'
  /** "5 minutes": how long a code works. */
  validFor: string
  pending: PendingNumber | null
  /** What the user typed, given back with a refusal so they can correct it. */
  number?: string | undefined
  numberError?: string | undefined
  codeError?: string | undefined
  /** A send that failed or was refused (too soon, too many). */
  sendError?: string | undefined
  back: { href: string; label: string }
}

const titles = {
  enroll: 'Get codes by text message',
  add: 'Set up text messages',
  change: 'Change your phone number',
} as const

const subtitles = {
  enroll: 'Each time you sign in, we text a code to your mobile phone.',
  add: 'Get a code by text message when your app or key is not to hand.',
  change: 'Your current number keeps working until you enter a code sent to the new one.',
} as const

/** The number field and "Send code", as seed 002 has it: "Add your phone number and select Send Code". */
function NumberForm({
  send,
  csrfToken,
  number,
  error,
  sendError,
}: {
  send: string
  csrfToken: string
  number: string | undefined
  error: string | undefined
  sendError: string | undefined
}) {
  return (
    <form class="form" method="post" action={send}>
      <input type="hidden" name="csrf" value={csrfToken} />
      <PhoneNumberField id="phone" value={number} error={error} autofocus />
      <FieldError id="sms-send-error" error={sendError} />
      <button class="button button-primary button-block" type="submit">
        Send code
      </button>
    </form>
  )
}

/**
 * Adding (or changing) the number codes are texted to: the number, "Send code", then the code from
 * the message, which proves the phone is the user's. Only then does the number count.
 */
export function SmsSetupPage({
  urls,
  username,
  csrfToken,
  actions,
  purpose,
  validFor,
  pending,
  number,
  numberError,
  codeError,
  sendError,
  back,
}: SmsSetupPageProps) {
  return (
    <Layout urls={urls} title={titles[purpose]} script={pending !== null && pending.resendInSeconds > 0}>
      <h1 class="title">{titles[purpose]}</h1>
      <p class="subtitle">
        {subtitles[purpose]}{' '}
        {purpose === 'enroll' ? (
          <>
            Signing in as <strong class="account-name">{username}</strong>.
          </>
        ) : null}
      </p>
      <ol class="steps">
        <li class="step">
          <h2 class="step-title">Enter your mobile number</h2>
          {pending === null ? (
            <NumberForm
              send={actions.send}
              csrfToken={csrfToken}
              number={number}
              error={numberError}
              sendError={sendError}
            />
          ) : (
            <p class="step-text">
              We sent a code to <strong class="nowrap">{pending.maskedNumber}</strong>.{' '}
              <a class="link" href={`${actions.code}?number=new`}>
                Use a different number
              </a>
            </p>
          )}
        </li>
        <li class="step">
          <h2 class="step-title">Enter the code from the text message</h2>
          {pending === null ? (
            <p class="step-text">We text you a 6-digit code. It works for {validFor}.</p>
          ) : (
            <>
              <p class="step-text" id="sms-code-hint">
                It has 6 digits and works for {validFor}.
              </p>
              <form class="form" method="post" action={actions.code}>
                <input type="hidden" name="csrf" value={csrfToken} />
                <div class={codeError ? 'field field-invalid' : 'field'}>
                  <label class="label" for="sms-code">
                    Code
                  </label>
                  <CodeField digits={6} id="sms-code" hintId="sms-code-hint" error={codeError} autofocus />
                </div>
                <button class="button button-primary button-block" type="submit">
                  {purpose === 'change' ? 'Use this number' : 'Turn on text messages'}
                </button>
              </form>
              <FieldError id="sms-send-error" error={sendError} />
              <ResendForm
                action={actions.send}
                csrfToken={csrfToken}
                resendInSeconds={pending.resendInSeconds}
              />
            </>
          )}
        </li>
      </ol>
      <p class="card-footer">
        <a class="link" href={back.href}>
          {back.label}
        </a>
      </p>
    </Layout>
  )
}

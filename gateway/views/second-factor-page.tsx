import type { Proof } from '../factors/factor-kinds.ts'
import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { CodeField } from './code-field.tsx'
import { FieldError } from './field-error.tsx'
import { Layout } from './layout.tsx'
import { MethodHead } from './method-head.tsx'
import { KeyIcon, KeyStatus, keyStatusId } from './security-key.tsx'
import { type SmsChallenge, SmsMethod } from './sms-method.tsx'
import { TrustDeviceField, trustFieldId } from './trust-device-field.tsx'
import { TypedCodeInput } from './typed-code-input.tsx'
import { YubiKeyTapField } from './yubikey-fields.tsx'

/** What "Try another way" offers for each way to verify. */
const otherWayLabels: Record<Proof, string> = {
  webauthn: 'Use your security key or passkey',
  yubico_otp: 'Touch your YubiKey',
  totp: 'Enter a code from your authenticator app',
  sms: 'Get a code by text message',
  recovery_code: 'Use a recovery code',
}

export interface SecondFactorPageProps {
  urls: TapgateUrls
  username: string
  csrfToken: string
  digits: number
  /** The ways this user can verify here, strongest first; a recovery code last (never for step-up). */
  methods: readonly Proof[]
  /** The one on the page (the strongest when absent); the others are under "Try another way". */
  shown?: Proof | undefined
  /** Why the shown method's last attempt was refused, at its field. */
  error?: string | undefined
  /** The text-message method's state, when it is one of `methods`. */
  sms?: SmsChallenge | null | undefined
  /** A refused or failed "Send code", above the button that sends one. */
  smsSendError?: string | undefined
  /** `step_up`: a signed-in user confirms it is them before changing their sign-in methods. */
  purpose?: 'sign_in' | 'step_up'
  /** What the step-up is for, when it interrupted an action: "reset bob's second factors". */
  stepUpFor?: string | undefined
  /** "30 days": the shown method's form offers "Trust this device for 30 days"; null when off. */
  trustFor: string | null
}

function SecurityKeyMethod({
  urls,
  error,
  trustFor,
}: {
  urls: TapgateUrls
  error: string | undefined
  trustFor: string | null
}) {
  return (
    <section class="method" aria-labelledby="key-title">
      <MethodHead icon={<KeyIcon />} titleId="key-title">
        Security key or passkey
      </MethodHead>
      <p class="method-text" id="key-hint">
        Touch your key or confirm with a passkey when your browser asks. It is the safest way to sign in:
        copycat sites cannot use it.
      </p>
      <FieldError id="key-error" error={error} />
      <button
        class="button button-primary button-block"
        type="button"
        data-webauthn="authenticate"
        data-endpoint={urls.securityKeys.authentication}
        data-status={keyStatusId}
        data-trust-field={trustFor === null ? undefined : trustFieldId}
        aria-describedby="key-hint"
      >
        <KeyIcon />
        <span>Use security key</span>
      </button>
      <KeyStatus />
      {trustFor === null ? null : <TrustDeviceField trustFor={trustFor} />}
    </section>
  )
}

function CodeMethod({
  urls,
  csrfToken,
  digits,
  error,
  trustFor,
}: {
  urls: TapgateUrls
  csrfToken: string
  digits: number
  error: string | undefined
  trustFor: string | null
}) {
  return (
    <form class="form" method="post" action={urls.secondFactor.page}>
      <input type="hidden" name="csrf" value={csrfToken} />
      <div class={error ? 'field field-invalid' : 'field'}>
        <label class="label" for="code">
          Authentication code
        </label>
        <p class="hint" id="code-hint">
          Open your authenticator app (Google Authenticator, Authy, Microsoft Authenticator…) and enter the{' '}
          {digits}-digit code for this account.
        </p>
        <CodeField digits={digits} error={error} autofocus={true} />
      </div>
      {trustFor === null ? null : <TrustDeviceField trustFor={trustFor} />}
      <button class="button button-primary button-block" type="submit">
        Verify
      </button>
    </form>
  )
}

/** A YubiKey in OTP mode types its code and presses Enter: the field takes the tap and submits. */
function YubiKeyMethod({
  urls,
  csrfToken,
  error,
  trustFor,
}: {
  urls: TapgateUrls
  csrfToken: string
  error: string | undefined
  trustFor: string | null
}) {
  return (
    <form class="form method-yubikey" method="post" action={urls.secondFactor.yubikey}>
      <input type="hidden" name="csrf" value={csrfToken} />
      <YubiKeyTapField error={error} autofocus={true} />
      {trustFor === null ? null : <TrustDeviceField trustFor={trustFor} />}
      <button class="button button-primary button-block" type="submit">
        Verify with YubiKey
      </button>
    </form>
  )
}

function RecoveryCodeMethod({
  urls,
  csrfToken,
  error,
}: {
  urls: TapgateUrls
  csrfToken: string
  error: string | undefined
}) {
  return (
    <form class="form recovery-form" method="post" action={urls.secondFactor.recovery}>
      <input type="hidden" name="csrf" value={csrfToken} />
      <div class={error ? 'field field-invalid' : 'field'}>
        <label class="label" for="recovery-code">
          Recovery code
        </label>
        <p class="hint" id="recovery-code-hint">
          One of the codes you saved when you set up two-step verification. Each works once.
        </p>
        <TypedCodeInput
          id="recovery-code"
          name="recovery_code"
          hintId="recovery-code-hint"
          error={error}
          autofocus={true}
          placeholder="XXXX-XXXX-XXXX"
          capitals
        />
      </div>
      <button class="button button-primary button-block" type="submit">
        Sign in with recovery code
      </button>
    </form>
  )
}

/** The user's other ways to verify, one link each, as Google's and Authelia's "Try another way". */
function OtherWays({ urls, others }: { urls: TapgateUrls; others: readonly Proof[] }) {
  if (others.length === 0) return null
  return (
    <nav class="other-ways" aria-labelledby="other-ways-title">
      <h2 class="other-ways-title" id="other-ways-title">
        Try another way
      </h2>
      <ul class="other-ways-list">
        {others.map((proof) => (
          <li>
            <a class="other-way" href={urls.secondFactor.method(proof)}>
              {otherWayLabels[proof]}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  )
}

function TroubleTips({ shown, methods }: { shown: Proof; methods: readonly Proof[] }) {
  const summary = shown === 'webauthn' ? 'Trouble using your security key?' : 'Trouble signing in?'
  return (
    <details class="disclosure">
      <summary>{summary}</summary>
      <ul class="disclosure-body">
        {shown === 'webauthn' ? (
          <>
            <li>
              Plug the key in before you press the button; if it has a light, touch the key when it blinks.
            </li>
            <li>On a phone, hold an NFC key flat against the back of the phone until it is read.</li>
          </>
        ) : null}
        {shown === 'sms' ? (
          <li>
            A text message can take a minute to arrive. If it does not, ask for a new code; only the newest
            code works.
          </li>
        ) : null}
        {shown === 'totp' ? (
          <>
            <li>
              Each code is only valid for a short time. If one is rejected, wait for the next code and try
              again.
            </li>
            <li>Check that the date and time on your phone are set automatically.</li>
          </>
        ) : null}
        <li>
          Lost what you sign in with?{' '}
          {methods.includes('recovery_code') ? 'Use a recovery code, or contact' : 'Contact'} your hosting
          provider's support to reset two-step verification.
        </li>
      </ul>
    </details>
  )
}

/**
 * The second step for a user whose panel password was accepted, one method at a time: the strongest
 * the user has (security key, YubiKey, app, text message), or the one they chose, with "Try another
 * way" listing the rest. Each method's form carries its own "Trust this device" box, so the choice
 * goes with whichever method completes the sign-in.
 */
export function SecondFactorPage({
  urls,
  username,
  csrfToken,
  digits,
  methods,
  shown = methods[0] ?? 'recovery_code',
  error,
  sms,
  smsSendError,
  trustFor,
  purpose = 'sign_in',
  stepUpFor,
}: SecondFactorPageProps) {
  const stepUp = purpose === 'step_up'
  const title = stepUp ? "Confirm it's you" : "Verify it's you"
  const key = shown === 'webauthn'
  const waitingToResend = shown === 'sms' && sms?.codeSent === true && sms.resendInSeconds > 0
  return (
    <Layout urls={urls} title={title} csrfToken={key ? csrfToken : undefined} script={key || waitingToResend}>
      <h1 class="title">{title}</h1>
      {stepUp && stepUpFor !== undefined ? (
        <p class="subtitle">Before you {stepUpFor}, verify it's you once more.</p>
      ) : stepUp ? (
        <p class="subtitle">
          Before you change how <strong class="account-name">{username}</strong> signs in, verify it's you
          once more.
        </p>
      ) : (
        <p class="subtitle">
          Signing in as <strong class="account-name">{username}</strong>
        </p>
      )}
      {shown === 'webauthn' ? <SecurityKeyMethod urls={urls} error={error} trustFor={trustFor} /> : null}
      {shown === 'yubico_otp' ? (
        <YubiKeyMethod urls={urls} csrfToken={csrfToken} error={error} trustFor={trustFor} />
      ) : null}
      {shown === 'totp' ? (
        <CodeMethod urls={urls} csrfToken={csrfToken} digits={digits} error={error} trustFor={trustFor} />
      ) : null}
      {shown === 'sms' && sms ? (
        <SmsMethod
          urls={urls}
          csrfToken={csrfToken}
          sms={sms}
          sendError={smsSendError}
          codeError={error}
          trustField={trustFor === null ? null : <TrustDeviceField trustFor={trustFor} />}
        />
      ) : null}
      {shown === 'recovery_code' ? (
        <RecoveryCodeMethod urls={urls} csrfToken={csrfToken} error={error} />
      ) : null}
      <OtherWays urls={urls} others={methods.filter((proof) => proof !== shown)} />
      <TroubleTips shown={shown} methods={methods} />
      <p class="card-footer">
        {stepUp ? (
          <a class="link" href={urls.account.page}>
            Back to your account
          </a>
        ) : (
          <a class="link" href={urls.logout}>
            Use a different account
          </a>
        )}
      </p>
    </Layout>
  )
}

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

export interface SecondFactorMethods {
  totp: boolean
  securityKey: boolean
  /** The user has unused recovery codes: offered, folded away, as the way back in. */
  recoveryCode: boolean
  /** A YubiKey in OTP mode: a tap types a code into a field. */
  yubikey?: boolean
  /** A code by text message to the user's number (`sms` on the page says which and in what state). */
  sms?: boolean
}

export interface SecondFactorPageProps {
  urls: TapgateUrls
  username: string
  csrfToken: string
  digits: number
  /** A refused code, shown above the code field (or above the key button when there is no code field). */
  error?: string
  /** A refused recovery code, shown in the (then open) recovery-code section. */
  recoveryError?: string
  /** A refused YubiKey tap, shown at the YubiKey field. */
  yubikeyError?: string
  /** The text-message method, when offered; its refused send and its refused code. */
  sms?: SmsChallenge | null | undefined
  smsError?: string | undefined
  smsCodeError?: string | undefined
  /** `step_up`: a signed-in user confirms it is them before changing their sign-in methods. */
  purpose?: 'sign_in' | 'step_up'
  /** "30 days": offers "Trust this device for 30 days"; null when trusted devices are off. */
  trustFor: string | null
  methods: SecondFactorMethods
}

interface SecurityKeyMethodProps {
  urls: TapgateUrls
  error: string | undefined
  /** Marks the key as the better choice; only meaningful when there is another. */
  recommended: boolean
  trustFor: string | null
  /** No code form holds the trust box, so it goes under the key button. */
  trustBoxHere: boolean
}

function SecurityKeyMethod({ urls, error, recommended, trustFor, trustBoxHere }: SecurityKeyMethodProps) {
  return (
    <section class="method" aria-labelledby="key-title">
      <MethodHead icon={<KeyIcon />} titleId="key-title" badge={recommended ? 'Recommended' : undefined}>
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
      {trustFor !== null && trustBoxHere ? <TrustDeviceField trustFor={trustFor} /> : null}
    </section>
  )
}

interface CodeMethodProps {
  urls: TapgateUrls
  csrfToken: string
  digits: number
  error: string | undefined
  /** With a security key on offer the code is the fallback: a quieter button, no focus grab. */
  secondary: boolean
  /** Another field holds a refused entry and takes the focus instead. */
  focusElsewhere: boolean
  trustFor: string | null
}

function CodeMethod({
  urls,
  csrfToken,
  digits,
  error,
  secondary,
  focusElsewhere,
  trustFor,
}: CodeMethodProps) {
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
        {/* Focusing the field on a phone opens the keyboard over the key button, so only when the
            code is the one way in or has just been refused. */}
        <CodeField
          digits={digits}
          error={error}
          autofocus={!focusElsewhere && (!secondary || Boolean(error))}
        />
      </div>
      {trustFor === null ? null : <TrustDeviceField trustFor={trustFor} />}
      <button
        class={`button ${secondary ? 'button-secondary' : 'button-primary'} button-block`}
        type="submit"
      >
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
  focus,
  trustFor,
}: {
  urls: TapgateUrls
  csrfToken: string
  error: string | undefined
  focus: boolean
  /** Set when no code form holds the trust box. */
  trustFor: string | null
}) {
  return (
    <form class="form method-yubikey" method="post" action={urls.secondFactor.yubikey}>
      <input type="hidden" name="csrf" value={csrfToken} />
      <YubiKeyTapField error={error} autofocus={focus} />
      {trustFor === null ? null : <TrustDeviceField trustFor={trustFor} />}
      <button class="button button-secondary button-block" type="submit">
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
    <details class="disclosure" id="recovery" open={error !== undefined}>
      <summary>Use a recovery code</summary>
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
            autofocus={error !== undefined}
            placeholder="XXXX-XXXX-XXXX"
            capitals
          />
        </div>
        <button class="button button-secondary button-block" type="submit">
          Sign in with recovery code
        </button>
      </form>
    </details>
  )
}

function TroubleTips({ methods }: { methods: SecondFactorMethods }) {
  const summary =
    methods.totp && methods.securityKey
      ? 'Trouble signing in?'
      : methods.securityKey
        ? 'Trouble using your security key?'
        : 'Trouble getting a code?'
  return (
    <details class="disclosure">
      <summary>{summary}</summary>
      <ul class="disclosure-body">
        {methods.securityKey ? (
          <>
            <li>
              Plug the key in before you press the button; if it has a light, touch the key when it blinks.
            </li>
            <li>On a phone, hold an NFC key flat against the back of the phone until it is read.</li>
          </>
        ) : null}
        {methods.sms ? (
          <li>
            A text message can take a minute to arrive. If it does not, ask for a new code; only the newest
            code works.
          </li>
        ) : null}
        {methods.totp ? (
          <>
            <li>
              Each code is only valid for a short time. If one is rejected, wait for the next code and try
              again.
            </li>
            <li>Check that the date and time on your phone are set automatically.</li>
          </>
        ) : null}
        <li>
          {methods.securityKey && methods.totp
            ? 'Lost your key and your app? '
            : methods.securityKey
              ? 'Lost your key? '
              : methods.totp
                ? 'Lost access to your app? '
                : 'Lost your phone? '}
          {methods.recoveryCode ? 'Use a recovery code, or contact' : 'Contact'} your hosting provider's
          support to reset two-step verification.
        </li>
      </ul>
    </details>
  )
}

/**
 * The second step for a user whose panel password was accepted: a security key first (it cannot be
 * phished), the authenticator-app code as the alternative, whichever of the two the user has.
 */
export function SecondFactorPage({
  urls,
  username,
  csrfToken,
  digits,
  error,
  recoveryError,
  yubikeyError,
  sms,
  smsError,
  smsCodeError,
  trustFor,
  methods,
  purpose = 'sign_in',
}: SecondFactorPageProps) {
  const both = methods.securityKey && methods.totp
  const otherMethods = methods.securityKey || methods.totp || methods.yubikey === true
  // A code was just sent or refused: the text-message field is where the user's attention is.
  const smsFocus =
    smsCodeError !== undefined ||
    (sms?.codeSent === true &&
      error === undefined &&
      recoveryError === undefined &&
      yubikeyError === undefined)
  // The one trust box goes to the first form that takes a code: app, YubiKey, text message, else the key.
  const smsTrustBox = sms?.codeSent === true && !methods.totp && !methods.yubikey
  const stepUp = purpose === 'step_up'
  const title = stepUp ? "Confirm it's you" : "Verify it's you"
  return (
    <Layout
      urls={urls}
      title={title}
      csrfToken={methods.securityKey ? csrfToken : undefined}
      script={methods.securityKey || (sms?.codeSent === true && sms.resendInSeconds > 0)}
    >
      <h1 class="title">{title}</h1>
      {stepUp ? (
        <p class="subtitle">
          Before you change how <strong class="account-name">{username}</strong> signs in,{' '}
          {otherMethods ? 'use your key or app once more.' : 'enter a code we text you.'}
        </p>
      ) : (
        <p class="subtitle">
          Signing in as <strong class="account-name">{username}</strong>
        </p>
      )}
      {methods.securityKey ? (
        <SecurityKeyMethod
          urls={urls}
          error={methods.totp ? undefined : error}
          recommended={both}
          trustFor={trustFor}
          trustBoxHere={!methods.totp && !methods.yubikey && !smsTrustBox}
        />
      ) : null}
      {methods.yubikey ? (
        <YubiKeyMethod
          urls={urls}
          csrfToken={csrfToken}
          error={yubikeyError}
          focus={
            yubikeyError !== undefined || (!methods.securityKey && recoveryError === undefined && !smsFocus)
          }
          trustFor={methods.totp ? null : trustFor}
        />
      ) : null}
      {both ? (
        <h2 class="divider">
          <span>or use your authenticator app</span>
        </h2>
      ) : null}
      {methods.totp ? (
        <CodeMethod
          urls={urls}
          csrfToken={csrfToken}
          digits={digits}
          error={error}
          secondary={both}
          focusElsewhere={
            recoveryError !== undefined ||
            yubikeyError !== undefined ||
            smsFocus ||
            (methods.yubikey === true && error === undefined)
          }
          trustFor={trustFor}
        />
      ) : null}
      {sms && otherMethods ? (
        <h2 class="divider">
          <span>or get a code by text message</span>
        </h2>
      ) : null}
      {sms ? (
        <SmsMethod
          urls={urls}
          csrfToken={csrfToken}
          sms={sms}
          sendError={smsError}
          codeError={smsCodeError}
          primary={!otherMethods}
          focus={smsFocus}
          trustField={trustFor !== null && smsTrustBox ? <TrustDeviceField trustFor={trustFor} /> : null}
        />
      ) : null}
      {methods.recoveryCode ? (
        <RecoveryCodeMethod urls={urls} csrfToken={csrfToken} error={recoveryError} />
      ) : null}
      <TroubleTips methods={methods} />
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

import { CodeField } from './code-field.tsx'
import { DateTime } from './date-time.tsx'
import { Layout } from './layout.tsx'
import { AddKeyFields, KeyIcon } from './security-key.tsx'
import { TypedCodeInput } from './typed-code-input.tsx'

export interface EnrollmentPageProps {
  prefix: string
  username: string
  csrfToken: string
  /** Trusted SVG markup from the `qrcode` package, inserted unescaped. */
  qrSvg: string
  /** Base32 secret, shown for manual entry. */
  secret: string
  issuer: string
  digits: number
  period: number
  /** A refused confirmation code, shown above the code field. */
  error?: string
  /** Offers a security key or passkey as the alternative to the app. */
  securityKeys: boolean
  /**
   * Present when the user may skip for now: `until` is when two-step verification becomes required
   * (`enrollment.grace_until`), null when it is optional.
   */
  skip?: { until: number | null } | undefined
  /** Offers a YubiKey in OTP mode (`factors.yubico_otp`); `yubikeyError` is a refused tap. */
  yubikey?: boolean
  yubikeyError?: string | undefined
}

/** Splits a base32 secret into blocks of 4 so it can be read and typed without losing place. */
function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, '').match(/.{1,4}/g) ?? []).join(' ')
}

/**
 * The alternative for people who own a security key. Below the app steps, because most hosting
 * customers know the app; the subtitle links here so YubiKey owners need not read past the QR code.
 */
/** For YubiKeys that type a code (OTP mode): a tap into the field registers the key. */
function YubiKeyAlternative({
  prefix,
  csrfToken,
  error,
}: {
  prefix: string
  csrfToken: string
  error: string | undefined
}) {
  return (
    <section class="alternative" id="yubikey" aria-labelledby="yubikey-title">
      <div class="divider" aria-hidden="true">
        <span>or</span>
      </div>
      <form class="method form" method="post" action={`${prefix}/enroll/yubikey`}>
        <input type="hidden" name="csrf" value={csrfToken} />
        <h2 class="method-title" id="yubikey-title">
          Use a YubiKey that types a code
        </h2>
        <p class="method-text">Give it a name, click the YubiKey field, then touch your key.</p>
        <div class="field">
          <label class="label" for="yubikey-name">
            Name this YubiKey
          </label>
          <input
            class="input"
            id="yubikey-name"
            name="name"
            type="text"
            maxlength={64}
            autocomplete="off"
            placeholder="e.g. Office YubiKey"
          />
        </div>
        <div class={error ? 'field field-invalid' : 'field'}>
          <label class="label" for="yubikey-otp">
            YubiKey
          </label>
          <TypedCodeInput id="yubikey-otp" name="otp" error={error} autofocus={error !== undefined} />
        </div>
        <button class="button button-secondary button-block" type="submit">
          Add YubiKey
        </button>
      </form>
    </section>
  )
}

function SecurityKeyAlternative({ prefix }: { prefix: string }) {
  return (
    <section class="alternative" id="security-key" aria-labelledby="security-key-title">
      <div class="divider" aria-hidden="true">
        <span>or</span>
      </div>
      <div class="method">
        <div class="method-head">
          <span class="method-icon">
            <KeyIcon />
          </span>
          <div class="method-heading">
            <h2 class="method-title" id="security-key-title">
              Use a security key or passkey instead
            </h2>
          </div>
        </div>
        <p class="method-text">
          A USB or NFC key such as a YubiKey, or a passkey saved on this device. You tap it instead of typing
          a code, and it cannot be phished. You can add more keys later.
        </p>
        <AddKeyFields prefix={prefix} />
      </div>
    </section>
  )
}

/**
 * Walks a user through adding a TOTP secret to an authenticator app and proving it works, or, where
 * security keys are enabled, registering a key instead.
 */
export function EnrollmentPage({
  prefix,
  username,
  csrfToken,
  qrSvg,
  secret,
  issuer,
  digits,
  period,
  error,
  securityKeys,
  skip,
  yubikey = false,
  yubikeyError,
}: EnrollmentPageProps) {
  return (
    <Layout
      prefix={prefix}
      title="Set up two-step verification"
      csrfToken={securityKeys ? csrfToken : undefined}
      script={securityKeys}
    >
      <h1 class="title">
        Set up <span class="nowrap">two-step</span> verification
      </h1>
      <p class="subtitle">
        Protect <strong class="account-name">{username}</strong> with a code from your phone each time you
        sign in. It takes about a minute.
      </p>
      {securityKeys ? (
        <p class="subtitle-aside">
          Have a security key?{' '}
          <a class="link" href="#security-key">
            Use it instead
          </a>
        </p>
      ) : null}
      {skip?.until ? (
        <p class="banner banner-warning" role="note">
          <span>
            Two-step verification becomes required on <DateTime at={skip.until} />. Until then you can skip
            this step.
          </span>
        </p>
      ) : null}
      <ol class="steps">
        <li class="step">
          <h2 class="step-title">Install an authenticator app</h2>
          <p class="step-text">
            Use Google Authenticator, Microsoft Authenticator, Authy or any app that supports time-based
            codes. Get it free from the App Store or Google Play.
          </p>
        </li>
        <li class="step">
          <h2 class="step-title">Scan the QR code</h2>
          <p class="step-text">In the app, add a new account and choose to scan a QR code.</p>
          <div
            class="qr"
            role="img"
            aria-label={`QR code for adding ${issuer} (${username}) to your authenticator app`}
            // qrSvg comes from the qrcode package, never from user input, so it is inserted unescaped.
            dangerouslySetInnerHTML={{ __html: qrSvg }}
          />
          <section class="manual" aria-labelledby="manual-title">
            <h3 class="manual-title" id="manual-title">
              Can't scan? Enter this key manually
            </h3>
            <dl class="manual-details">
              <dt>Account</dt>
              <dd>
                {issuer} ({username})
              </dd>
              <dt>Key</dt>
              <dd>
                <code class="secret">{groupSecret(secret)}</code>
                <span class="manual-note">Spaces don't matter.</span>
              </dd>
              <dt>Type</dt>
              <dd>
                Time-based, {digits} digits, every {period} s
              </dd>
            </dl>
          </section>
        </li>
        <li class="step">
          {/* The step title doubles as the field label, so the step does not say the same thing twice. */}
          <h2 class="step-title">
            <label for="code">Enter the code to confirm</label>
          </h2>
          <p class="step-text" id="code-hint">
            Type the {digits}-digit code your app now shows for {issuer}.
          </p>
          <form class="form" method="post" action={`${prefix}/enroll`}>
            <input type="hidden" name="csrf" value={csrfToken} />
            <div class={error ? 'field field-invalid' : 'field'}>
              <CodeField digits={digits} error={error} autofocus={Boolean(error)} />
            </div>
            <button class="button button-primary button-block" type="submit">
              Turn on two-step verification
            </button>
          </form>
        </li>
      </ol>
      {securityKeys ? <SecurityKeyAlternative prefix={prefix} /> : null}
      {yubikey ? <YubiKeyAlternative prefix={prefix} csrfToken={csrfToken} error={yubikeyError} /> : null}
      {skip ? (
        <form class="form skip-form" method="post" action={`${prefix}/enroll/skip`}>
          <input type="hidden" name="csrf" value={csrfToken} />
          <button class="button button-secondary button-block" type="submit">
            Skip for now
          </button>
        </form>
      ) : null}
    </Layout>
  )
}

import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { AuthenticatorAppSteps, type AuthenticatorAppStepsProps } from './authenticator-app-steps.tsx'
import { DateTime } from './date-time.tsx'
import { Layout } from './layout.tsx'
import { MethodHead } from './method-head.tsx'
import { AddKeyFields, KeyIcon } from './security-key.tsx'
import { SmsAlternative } from './sms-alternative.tsx'
import { YubiKeyFields } from './yubikey-fields.tsx'

export interface EnrollmentPageProps extends Omit<AuthenticatorAppStepsProps, 'action' | 'submitLabel'> {
  urls: TapgateUrls
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
  /** Offers codes by text message (`factors.sms`, when allowed for the user). */
  sms?: boolean
}

/** For YubiKeys that type a code (OTP mode): a tap into the field registers the key. */
function YubiKeyAlternative({
  urls,
  csrfToken,
  error,
}: {
  urls: TapgateUrls
  csrfToken: string
  error: string | undefined
}) {
  return (
    <section class="alternative" id="yubikey" aria-labelledby="yubikey-title">
      <div class="divider" aria-hidden="true">
        <span>or</span>
      </div>
      <form class="method form" method="post" action={urls.enroll.yubikey}>
        <input type="hidden" name="csrf" value={csrfToken} />
        <h2 class="method-title" id="yubikey-title">
          Use a YubiKey that types a code
        </h2>
        <p class="method-text">Any YubiKey that types a long code when you touch it works here.</p>
        <YubiKeyFields error={error} />
        <button class="button button-secondary button-block" type="submit">
          Add YubiKey
        </button>
      </form>
    </section>
  )
}

/**
 * The alternative for people who own a security key. Below the app steps, because most hosting
 * customers know the app; the subtitle links here so YubiKey owners need not read past the QR code.
 */
function SecurityKeyAlternative({ urls }: { urls: TapgateUrls }) {
  return (
    <section class="alternative" id="security-key" aria-labelledby="security-key-title">
      <div class="divider" aria-hidden="true">
        <span>or</span>
      </div>
      <div class="method">
        <MethodHead icon={<KeyIcon />} titleId="security-key-title">
          Use a security key or passkey instead
        </MethodHead>
        <p class="method-text">
          A USB or NFC key such as a YubiKey, or a passkey saved on this device. You tap it instead of typing
          a code, and it cannot be phished. You can add more keys later.
        </p>
        <AddKeyFields urls={urls} />
      </div>
    </section>
  )
}

/**
 * Walks a user through adding a TOTP secret to an authenticator app and proving it works, or, where
 * security keys are enabled, registering a key instead.
 */
export function EnrollmentPage({
  urls,
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
  sms = false,
}: EnrollmentPageProps) {
  return (
    <Layout
      urls={urls}
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
      {sms ? (
        <p class="subtitle-aside">
          No smartphone app?{' '}
          <a class="link" href="#sms">
            Get codes by text message
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
      <AuthenticatorAppSteps
        {...{ username, csrfToken, qrSvg, secret, issuer, digits, period, error }}
        action={urls.enroll.page}
        submitLabel="Turn on two-step verification"
      />
      {securityKeys ? <SecurityKeyAlternative urls={urls} /> : null}
      {yubikey ? <YubiKeyAlternative urls={urls} csrfToken={csrfToken} error={yubikeyError} /> : null}
      {sms ? <SmsAlternative urls={urls} csrfToken={csrfToken} /> : null}
      {skip ? (
        <form class="form skip-form" method="post" action={urls.enroll.skip}>
          <input type="hidden" name="csrf" value={csrfToken} />
          <button class="button button-secondary button-block" type="submit">
            Skip for now
          </button>
        </form>
      ) : null}
    </Layout>
  )
}

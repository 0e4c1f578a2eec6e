import { type FactorId, factorIds } from '../factors/factor-kinds.ts'
import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { AuthenticatorAppSteps, type AuthenticatorAppStepsProps } from './authenticator-app-steps.tsx'
import { DateTime } from './date-time.tsx'
import { Layout } from './layout.tsx'
import { MethodHead } from './method-head.tsx'
import { AddKeyFields, KeyIcon } from './security-key.tsx'
import { SmsAlternative } from './sms-alternative.tsx'
import { YubiKeyFields } from './yubikey-fields.tsx'

/** How "Other ways to set up" names each factor. */
const setUpLabels: Record<FactorId, string> = {
  webauthn: 'Use a security key or passkey',
  yubico_otp: 'Use a YubiKey that types a code',
  totp: 'Use an authenticator app',
  sms: 'Get codes by text message',
}

/** What the subtitle promises for the factor on the page: "Protect alice with …". */
const protectWith: Record<FactorId, string> = {
  webauthn: 'a security key or passkey',
  yubico_otp: 'a touch of your YubiKey',
  totp: 'a code from your phone',
  sms: 'a code sent to your phone by text message',
}

export interface EnrollmentPageProps extends Omit<AuthenticatorAppStepsProps, 'action' | 'submitLabel'> {
  urls: TapgateUrls
  /** Offers a security key or passkey (`factors.webauthn`). */
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
  /**
   * The way asked for (`?method=`); the strongest offered when absent or not offered. A refusal
   * (`error` for the app, `yubikeyError`) shows its own way whatever this says.
   */
  shown?: FactorId | undefined
}

/** The factors this page offers, strongest first, in the order the 2fa page offers them. */
export function enrollmentMethods({
  securityKeys,
  yubikey,
  sms,
}: {
  securityKeys: boolean
  yubikey: boolean
  sms: boolean
}): FactorId[] {
  const offered: Record<FactorId, boolean> = { webauthn: securityKeys, yubico_otp: yubikey, totp: true, sms }
  return factorIds.filter((id) => offered[id])
}

/** For YubiKeys that type a code (OTP mode): a tap into the field registers the key. */
function YubiKeyMethod({
  urls,
  csrfToken,
  error,
  badge,
}: {
  urls: TapgateUrls
  csrfToken: string
  error: string | undefined
  badge: string | undefined
}) {
  return (
    <section class="method enroll-method" id="yubikey" aria-labelledby="yubikey-title">
      <MethodHead icon={<KeyIcon />} titleId="yubikey-title" badge={badge}>
        Use a YubiKey that types a code
      </MethodHead>
      <p class="method-text">Any YubiKey that types a long code when you touch it works here.</p>
      <form class="form" method="post" action={urls.enroll.yubikey}>
        <input type="hidden" name="csrf" value={csrfToken} />
        <YubiKeyFields error={error} />
        <button class="button button-primary button-block" type="submit">
          Add YubiKey
        </button>
      </form>
    </section>
  )
}

/** A security key or passkey: the strongest way, so the one the page leads with where it is on. */
function SecurityKeyMethod({ urls, badge }: { urls: TapgateUrls; badge: string | undefined }) {
  return (
    <section class="method enroll-method" id="security-key" aria-labelledby="security-key-title">
      <MethodHead icon={<KeyIcon />} titleId="security-key-title" badge={badge}>
        Use a security key or passkey
      </MethodHead>
      <p class="method-text">
        A USB or NFC key such as a YubiKey, or a passkey saved on this device. You tap it instead of typing a
        code, and it cannot be phished. You can add more keys later.
      </p>
      <AddKeyFields urls={urls} />
    </section>
  )
}

/**
 * Every way this page offers, as links that show it (`?method=`), the one on the page marked
 * `aria-current`: as the 2fa page's "Try another way", one way is set up at a time.
 */
function OtherWaysToSetUp({
  urls,
  methods,
  shown,
}: {
  urls: TapgateUrls
  methods: readonly FactorId[]
  shown: FactorId
}) {
  if (methods.length < 2) return null
  return (
    <nav class="other-ways" aria-label="Ways to set up two-step verification">
      <h2 class="other-ways-title">Other ways to set up</h2>
      <ul class="other-ways-list">
        {methods.map((factor) =>
          factor === shown ? (
            <li>
              <a class="other-way other-way-current" href={urls.enroll.method(factor)} aria-current="page">
                <span>{setUpLabels[factor]}</span>
                <span class="other-way-note">Shown above</span>
              </a>
            </li>
          ) : (
            <li>
              <a class="other-way" href={urls.enroll.method(factor)}>
                {setUpLabels[factor]}
              </a>
            </li>
          ),
        )}
      </ul>
    </nav>
  )
}

/**
 * A user with no factor adds one, one way at a time: the strongest offered (security key, YubiKey,
 * authenticator app, text message), the one asked for (`?method=`), or the one whose form was just
 * refused, with "Other ways to set up" listing them all.
 */
export function EnrollmentPage({
  urls,
  username,
  csrfToken,
  qrSvg,
  secret,
  keyUri,
  issuer,
  digits,
  period,
  error,
  securityKeys,
  skip,
  yubikey = false,
  yubikeyError,
  sms = false,
  shown: asked,
}: EnrollmentPageProps) {
  const methods = enrollmentMethods({ securityKeys, yubikey, sms })
  const recommended = methods[0] ?? 'totp'
  const refused: FactorId | undefined =
    yubikeyError !== undefined ? 'yubico_otp' : error !== undefined ? 'totp' : undefined
  const wanted = refused ?? asked
  const shown = methods.find((factor) => factor === wanted) ?? recommended
  const badge = shown === recommended && methods.length > 1 ? 'Recommended' : undefined
  return (
    <Layout
      urls={urls}
      title="Set up two-step verification"
      csrfToken={shown === 'webauthn' ? csrfToken : undefined}
      // The key ceremony, or "Copy key" beside the app's key.
      script={shown === 'webauthn' || shown === 'totp'}
    >
      <h1 class="title">
        Set up <span class="nowrap">two-step</span> verification
      </h1>
      <p class="subtitle">
        Protect <strong class="account-name">{username}</strong> with {protectWith[shown]} each time you sign
        in. It takes about a minute.
      </p>
      {skip?.until ? (
        <p class="banner banner-warning" role="note">
          <span>
            Two-step verification becomes required on <DateTime at={skip.until} />. Until then you can skip
            this step.
          </span>
        </p>
      ) : null}
      {shown === 'webauthn' ? <SecurityKeyMethod urls={urls} badge={badge} /> : null}
      {shown === 'yubico_otp' ? (
        <YubiKeyMethod urls={urls} csrfToken={csrfToken} error={yubikeyError} badge={badge} />
      ) : null}
      {shown === 'totp' ? (
        <AuthenticatorAppSteps
          {...{ username, csrfToken, qrSvg, secret, keyUri, issuer, digits, period, error }}
          action={urls.enroll.page}
          submitLabel="Turn on two-step verification"
        />
      ) : null}
      {shown === 'sms' ? <SmsAlternative urls={urls} csrfToken={csrfToken} badge={badge} /> : null}
      <OtherWaysToSetUp urls={urls} methods={methods} shown={shown} />
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

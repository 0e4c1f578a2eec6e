import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { ErrorIcon } from './icons.tsx'
import { Layout } from './layout.tsx'
import { KeyIcon, KeyStatus, keyStatusId } from './security-key.tsx'
import { TrustDeviceField, trustFieldId } from './trust-device-field.tsx'

export interface LoginPageProps {
  urls: TapgateUrls
  csrfToken: string
  /** Where to go after signing in: a same-origin path, carried through the form. */
  returnTo: string | null
  /** What the user typed last time (never the password). */
  username?: string
  /** A refused sign-in, worded so it never says which part was wrong. */
  error?: string
  /** "30 days": offers "Trust this device for 30 days"; null when trusted devices are off. */
  trustFor: string | null
  /** The optional third field takes a code from the app or a YubiKey tap, as hosting panels offer. */
  tokenField: boolean
  /**
   * Where "Sign in with a passkey" posts (factors.webauthn.passwordless), its options under
   * `/options`; null: no passkey offered. The markup is a contract with web/passkey-sign-in.ts.
   */
  passkeyEndpoint?: string | null
}

/**
 * tapgate's own sign-in page (first_factor.mode: local): username and password, and for people who
 * have set up two-step verification, the code in the same form ("Authentication Token", as the
 * hosting help pages call it). Left empty, the next page asks for the second step. With passkeys on,
 * "Sign in with a passkey" below the form, and the username field offers passkeys in its autofill.
 */
export function LoginPage({
  urls,
  csrfToken,
  returnTo,
  username = '',
  error,
  trustFor,
  tokenField,
  passkeyEndpoint = null,
}: LoginPageProps) {
  const passkey = passkeyEndpoint !== null
  return (
    <Layout urls={urls} title="Sign in" {...(passkey ? { csrfToken, script: true } : {})}>
      <h1 class="title">Sign in</h1>
      <p class="subtitle">Use the username and password of your hosting account.</p>
      {error ? (
        <p class="banner banner-error" role="alert" id="login-error">
          <ErrorIcon />
          <span>{error}</span>
        </p>
      ) : null}
      <form class="form" method="post" action={urls.login}>
        <input type="hidden" name="csrf" value={csrfToken} />
        {returnTo === null ? null : <input type="hidden" name="rd" value={returnTo} />}
        <div class="field">
          <label class="label" for="username">
            Username
          </label>
          <input
            class="input"
            id="username"
            name="username"
            type="text"
            // "webauthn" last: the browser offers saved passkeys as the user types (conditional mediation).
            autocomplete={passkey ? 'username webauthn' : 'username'}
            autocapitalize="off"
            spellcheck={false}
            required
            maxlength={256}
            value={username}
            autofocus={username === ''}
            aria-describedby={error ? 'login-error' : undefined}
          />
        </div>
        <div class="field">
          <label class="label" for="password">
            Password
          </label>
          <input
            class="input"
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            maxlength={1024}
            autofocus={username !== ''}
          />
        </div>
        {tokenField ? (
          <div class="field">
            <label class="label" for="token">
              Authentication token <span class="label-optional">(optional)</span>
            </label>
            <p class="hint" id="token-hint">
              The code from your authenticator app, or touch your YubiKey here. Leave it empty and we ask on
              the next page.
            </p>
            <input
              class="input input-code"
              id="token"
              name="token"
              type="text"
              autocomplete="one-time-code"
              autocapitalize="off"
              spellcheck={false}
              maxlength={64}
              aria-describedby="token-hint"
            />
          </div>
        ) : null}
        {trustFor === null ? null : <TrustDeviceField trustFor={trustFor} />}
        <button class="button button-primary button-block" type="submit">
          Log in
        </button>
      </form>
      {passkeyEndpoint === null ? null : (
        <PasskeyButton endpoint={passkeyEndpoint} returnTo={returnTo} trustField={trustFor !== null} />
      )}
      <p class="card-footer">Forgot your password? Contact your hosting provider's support.</p>
    </Layout>
  )
}

/**
 * "Sign in with a passkey": no username, no password. Outside the form, so that it never submits it;
 * the script reads the "Trust this device" box and the page's destination through data attributes.
 */
function PasskeyButton({
  endpoint,
  returnTo,
  trustField,
}: {
  endpoint: string
  returnTo: string | null
  trustField: boolean
}) {
  return (
    <div class="passkey-sign-in">
      <p class="divider">
        <span>or</span>
      </p>
      <button
        class="button button-secondary button-block"
        type="button"
        data-passkey-sign-in=""
        data-endpoint={endpoint}
        data-status={keyStatusId}
        data-trust-field={trustField ? trustFieldId : undefined}
        data-return-to={returnTo ?? undefined}
      >
        <KeyIcon />
        <span>Sign in with a passkey</span>
      </button>
      <KeyStatus />
    </div>
  )
}

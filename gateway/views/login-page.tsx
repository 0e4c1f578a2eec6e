import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { ErrorIcon } from './icons.tsx'
import { Layout } from './layout.tsx'
import { TrustDeviceField } from './trust-device-field.tsx'

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
}

/**
 * tapgate's own sign-in page (first_factor.mode: local): username and password, and for people who
 * have set up two-step verification, the code in the same form ("Authentication Token", as the
 * hosting help pages call it). Left empty, the next page asks for the second step.
 */
export function LoginPage({
  urls,
  csrfToken,
  returnTo,
  username = '',
  error,
  trustFor,
  tokenField,
}: LoginPageProps) {
  return (
    <Layout urls={urls} title="Sign in">
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
            autocomplete="username"
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
      <p class="card-footer">Forgot your password? Contact your hosting provider's support.</p>
    </Layout>
  )
}

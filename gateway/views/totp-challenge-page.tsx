import { CodeField } from './code-field.tsx'
import { Layout } from './layout.tsx'

export interface TotpChallengePageProps {
  prefix: string
  username: string
  csrfToken: string
  /** Shown above the code field and announced to screen readers. */
  error?: string
  digits: number
}

/** Asks a signed-in (first factor) user for the current code from their authenticator app. */
export function TotpChallengePage({ prefix, username, csrfToken, error, digits }: TotpChallengePageProps) {
  return (
    <Layout prefix={prefix} title="Enter your authentication code">
      <h1 class="title">Enter your authentication code</h1>
      <p class="subtitle">
        Signing in as <strong class="account-name">{username}</strong>
      </p>
      <form class="form" method="post" action={`${prefix}/2fa`}>
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
        <button class="button button-primary button-block" type="submit">
          Verify
        </button>
      </form>
      <details class="disclosure">
        <summary>Trouble getting a code?</summary>
        <ul class="disclosure-body">
          <li>
            Each code is only valid for a short time. If one is rejected, wait for the next code and try
            again.
          </li>
          <li>Check that the date and time on your phone are set automatically.</li>
          <li>
            Lost access to your app? Contact your hosting provider's support to reset two-step verification.
          </li>
        </ul>
      </details>
      <p class="card-footer">
        <a class="link" href={`${prefix}/logout`}>
          Use a different account
        </a>
      </p>
    </Layout>
  )
}

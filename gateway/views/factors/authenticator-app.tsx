import { AuthenticatorAppSteps } from '../authenticator-app-steps.tsx'
import { CodeField } from '../code-field.tsx'
import type { FactorViews } from './factor-views.ts'

/** A code from an authenticator app. */
export const authenticatorAppViews: FactorViews = {
  signIn: {
    otherWay: 'Enter a code from your authenticator app',
    tips: (
      <>
        <li>
          Each code is only valid for a short time. If one is rejected, wait for the next code and try again.
        </li>
        <li>Check that the date and time on your phone are set automatically.</li>
      </>
    ),
    script: () => 'none',
    Form: ({ urls, csrfToken, digits, error, trustField }) => (
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
        {trustField}
        <button class="button button-primary button-block" type="submit">
          Verify
        </button>
      </form>
    ),
  },
  enrollment: {
    setUp: 'Use an authenticator app',
    protectWith: 'a code from your phone',
    // "Copy key" beside the app's key.
    script: 'page',
    Form: ({ urls, badge: _, ...steps }) => (
      <AuthenticatorAppSteps
        {...steps}
        action={urls.enroll.page}
        submitLabel="Turn on two-step verification"
      />
    ),
  },
}

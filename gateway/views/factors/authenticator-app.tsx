import { AuthenticatorAppSteps } from '../authenticator-app-steps.tsx'
import { CodeField } from '../code-field.tsx'
import { FactorActions } from '../factor-actions.tsx'
import type { FactorViews } from './factor-views.ts'

function appHint(hasTotp: boolean, keyCount: number): string {
  if (!hasTotp && keyCount === 0) return 'Not set up. Set up an app, or add a key below.'
  if (!hasTotp) return 'Not set up. You sign in with your keys only, so keep a spare one.'
  if (keyCount === 0) return 'You sign in with codes from an app such as Google Authenticator.'
  return 'Codes from an app such as Google Authenticator, for when your key is not to hand.'
}

/** A code from an authenticator app. */
export const authenticatorAppViews: FactorViews<boolean> = {
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
  // On or off; a new phone replaces it, and the hint weighs what else the user signs in with.
  account: {
    sectionId: 'authenticator-app',
    Section: ({ sectionId, urls, csrfToken, data: on, ways, canRemove }) => (
      <section class="section" id={sectionId} aria-labelledby="app-title">
        {/* One line, so that heading navigation alone tells a screen reader user the state. */}
        <h2 class="section-title section-title-status" id="app-title">
          Authenticator app<span class="visually-hidden">:</span>{' '}
          <span class={on ? 'pill pill-on' : 'pill'}>{on ? 'On' : 'Off'}</span>
        </h2>
        <p class="hint">{appHint(on, ways.webauthn + ways.yubico_otp)}</p>
        <FactorActions
          change={{ href: urls.account.app, label: on ? 'Move to a new phone' : 'Set up an app' }}
          removeAction={on ? urls.account.removeApp : null}
          csrfToken={csrfToken}
          canRemove={canRemove}
          titleId="app-title"
        />
      </section>
    ),
  },
}

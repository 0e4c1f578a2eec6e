import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { AuthenticatorAppSteps, type AuthenticatorAppStepsProps } from './authenticator-app-steps.tsx'
import { Layout } from './layout.tsx'

export interface AuthenticatorAppPageProps
  extends Omit<AuthenticatorAppStepsProps, 'action' | 'submitLabel'> {
  urls: TapgateUrls
  /** The user has an app already: this moves them to a new one. */
  replacing: boolean
}

/**
 * Setting up an authenticator app from the account page, for the first time or on a new phone. The
 * script shows "Copy key".
 */
export function AuthenticatorAppPage({ urls, replacing, ...steps }: AuthenticatorAppPageProps) {
  return (
    <Layout
      urls={urls}
      title={replacing ? 'Move to a new authenticator app' : 'Set up an authenticator app'}
      script
    >
      <h1 class="title">{replacing ? 'Move to a new authenticator app' : 'Set up an authenticator app'}</h1>
      <p class="subtitle">
        {replacing
          ? 'Your current app keeps working until you confirm a code from the new one.'
          : 'Sign in with a code from your phone when your security key is not to hand.'}
      </p>
      <AuthenticatorAppSteps
        {...steps}
        action={urls.account.app}
        submitLabel={replacing ? 'Use the new app' : 'Turn on the app'}
      />
      <p class="card-footer">
        <a class="link" href={urls.account.page}>
          Back to your account
        </a>
      </p>
    </Layout>
  )
}

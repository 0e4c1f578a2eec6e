import type { Child } from 'hono/jsx'
import type { TapgateUrls } from '../../http/tapgate-urls.ts'
import type { AuthenticatorAppStepsProps } from '../authenticator-app-steps.tsx'
import type { PageScript } from './page-script.ts'

/** What the enrollment page gives the form of the way it shows (an app's set-up included). */
export interface EnrollmentFormProps extends Omit<AuthenticatorAppStepsProps, 'action' | 'submitLabel'> {
  urls: TapgateUrls
  /** "Recommended", when it is the strongest of several. */
  badge: string | undefined
}

/** One way to set up the first factor on the enrollment page. */
export interface EnrollmentView {
  /** Its line under "Other ways to set up". */
  setUp: string
  /** What the subtitle promises: "Protect alice with … each time you sign in". */
  protectWith: string
  /** What the page loads with this way on it. */
  script: PageScript
  Form(props: EnrollmentFormProps): Child
}

import type { Child } from 'hono/jsx'
import type { TapgateUrls } from '../../http/tapgate-urls.ts'
import type { SmsChallenge } from '../sms-method.tsx'
import type { PageScript } from './page-script.ts'

/** What the 2fa page gives the form of the way to verify it shows. */
export interface SignInFormProps {
  urls: TapgateUrls
  csrfToken: string
  /** Why its last attempt was refused, at its field. */
  error: string | undefined
  /** A refused or failed step before the proof ("Send code"), above the button that takes it. */
  sendError: string | undefined
  /** "Trust this device", posted with the proof; null when not offered. */
  trustField: Child
  /** The length of an authenticator app's codes. */
  digits: number
  /** The text-message way's state, when the user has it. */
  sms: SmsChallenge | null
}

/** One way to verify on the 2fa page: a factor's, or a recovery code's. */
export interface SignInView {
  /** Its line under "Try another way". */
  otherWay: string
  /** The heading of the tips, when not "Trouble signing in?". */
  trouble?: string
  /** What to try with it when it does not work. */
  tips?: Child
  /** What the page loads with this way on it. */
  script(props: SignInFormProps): PageScript
  Form(props: SignInFormProps): Child
}

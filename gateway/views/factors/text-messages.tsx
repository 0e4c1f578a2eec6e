import { SmsMethod } from '../sms-method.tsx'
import type { FactorViews } from './factor-views.ts'

/** A code sent to the user's phone once they ask for it. */
export const textMessageViews: FactorViews = {
  signIn: {
    otherWay: 'Get a code by text message',
    tips: (
      <li>
        A text message can take a minute to arrive. If it does not, ask for a new code; only the newest code
        works.
      </li>
    ),
    // The countdown before "Resend code" works.
    needsScript: ({ sms }) => sms?.codeSent === true && sms.resendInSeconds > 0,
    Form: ({ urls, csrfToken, sms, sendError, error, trustField }) =>
      sms === null ? null : (
        <SmsMethod
          urls={urls}
          csrfToken={csrfToken}
          sms={sms}
          sendError={sendError}
          codeError={error}
          trustField={trustField}
        />
      ),
  },
}

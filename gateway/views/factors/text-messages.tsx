import { type AccountSms, SmsSection } from '../account-sms.tsx'
import { SmsAlternative } from '../sms-alternative.tsx'
import { SmsMethod } from '../sms-method.tsx'
import type { FactorViews } from './factor-views.ts'

/** A code sent to the user's phone once they ask for it. */
export const textMessageViews: FactorViews<AccountSms> = {
  signIn: {
    otherWay: 'Get a code by text message',
    tips: (
      <li>
        A text message can take a minute to arrive. If it does not, ask for a new code; only the newest code
        works.
      </li>
    ),
    // The countdown before "Resend code" works.
    script: ({ sms }) => (sms?.codeSent === true && sms.resendInSeconds > 0 ? 'page' : 'none'),
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
  // The number first; the code is entered on the text-message set-up page.
  enrollment: {
    setUp: 'Get codes by text message',
    protectWith: 'a code sent to your phone by text message',
    script: 'none',
    Form: ({ urls, csrfToken, badge }) => <SmsAlternative urls={urls} csrfToken={csrfToken} badge={badge} />,
  },
  account: {
    sectionId: 'text-messages',
    Section: ({ sectionId, urls, csrfToken, data: sms, canRemove }) => (
      <SmsSection sectionId={sectionId} urls={urls} csrfToken={csrfToken} sms={sms} canRemove={canRemove} />
    ),
  },
}

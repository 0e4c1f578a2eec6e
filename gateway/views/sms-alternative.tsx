import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { MethodHead } from './method-head.tsx'
import { MessageIcon, PhoneNumberField } from './sms-parts.tsx'

/**
 * On the enrollment page, for people without an authenticator app: the mobile number and "Send
 * code"; the code is then entered on the text-message set-up page.
 */
export function SmsAlternative({
  urls,
  csrfToken,
  badge,
}: {
  urls: TapgateUrls
  csrfToken: string
  /** "Recommended", when it leads the page. */
  badge?: string | undefined
}) {
  return (
    <section class="method enroll-method" id="sms" aria-labelledby="sms-title">
      <MethodHead icon={<MessageIcon />} titleId="sms-title" badge={badge}>
        Get codes by text message
      </MethodHead>
      <p class="method-text">
        No app? We text a code to your mobile phone each time you sign in. An app or a key is safer: a text
        message can be redirected by someone who takes over your number.
      </p>
      <form class="form" method="post" action={urls.enroll.smsSend}>
        <input type="hidden" name="csrf" value={csrfToken} />
        <PhoneNumberField id="sms-phone" />
        <button class="button button-primary button-block" type="submit">
          Send code
        </button>
      </form>
    </section>
  )
}

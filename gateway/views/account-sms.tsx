import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { FactorActions } from './factor-actions.tsx'
import { UsageDates } from './usage-dates.tsx'

/** The account page's view of the text-message factor. */
export interface AccountSms {
  /** "+44 •••• ••12"; null when no number is set up. */
  maskedNumber: string | null
  addedAt: number | null
  lastUsedAt: number | null
  /** fallback_only and a stronger factor: sign-in does not offer the number now. */
  fallbackOnly: boolean
}

/** Text messages on the account page: the number (masked), change it, remove it. */
export function SmsSection({
  sectionId,
  urls,
  csrfToken,
  sms,
  canRemove,
}: {
  sectionId: string
  urls: TapgateUrls
  csrfToken: string
  sms: AccountSms
  canRemove: boolean
}) {
  const on = sms.maskedNumber !== null
  return (
    <section class="section" id={sectionId} aria-labelledby="sms-title">
      <h2 class="section-title section-title-status" id="sms-title">
        Text messages<span class="visually-hidden">:</span>{' '}
        <span class={on ? 'pill pill-on' : 'pill'}>{on ? 'On' : 'Off'}</span>
      </h2>
      {on ? (
        <p class="key-meta sms-meta">
          <span>
            Codes go to <strong class="nowrap">{sms.maskedNumber}</strong>
          </span>
          <UsageDates addedAt={sms.addedAt} lastUsedAt={sms.lastUsedAt} />
        </p>
      ) : (
        <p class="hint">Not set up. Get a code by text message when you sign in.</p>
      )}
      {sms.fallbackOnly ? (
        <p class="hint">
          Sign-in offers text messages only when you have no app or key: they are the least safe way in.
        </p>
      ) : null}
      <FactorActions
        change={{ href: urls.account.sms, label: on ? 'Change number' : 'Set up text messages' }}
        removeAction={on ? urls.account.removeSms : null}
        csrfToken={csrfToken}
        canRemove={canRemove}
        titleId="sms-title"
      />
    </section>
  )
}

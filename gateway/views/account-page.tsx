import { type FactorId, factorIds } from '../factors/factor-kinds.ts'
import type { FactorStanding } from '../factors/factor-standing.ts'
import { mayRemove, type WaysIn } from '../factors/last-way-in.ts'
import type { Page } from '../history/page-of.ts'
import type { HistoryRow } from '../history/sign-in-rows.ts'
import type { TapgateUrls } from '../http/tapgate-urls.ts'
import type { AccountData } from '../routes/factors/factor-pages.ts'
import {
  type AccountDevice,
  type AccountHistoryEntry,
  HistorySection,
  historyPageHref,
  TrustedDevicesSection,
} from './account-activity.tsx'
import { AccountSummary, accountSectionIds, runningLowOnCodes } from './account-summary.tsx'
import { Banners } from './banners.tsx'
import type { AccountSectionProps } from './factors/account-view.ts'
import type { FactorViewsTable } from './factors/factor-views.ts'
import { Layout } from './layout.tsx'

export interface AccountPageProps {
  urls: TapgateUrls
  /** Every factor's views (routes/factors/factor-pages.ts). */
  views: FactorViewsTable<AccountData>
  username: string
  csrfToken: string
  /** What the user has of each factor offered to them: the summary at the top. */
  factors: readonly FactorStanding[]
  /** Each offered factor's section, with what it shows; a factor not offered has none. */
  sections: { readonly [K in FactorId]?: AccountData[K] }
  /** How many ways in the user has of each factor (the last one cannot be removed). */
  ways: WaysIn
  /** Unused recovery codes; null when the user never had a set. */
  recoveryCodesLeft: number | null
  devices: readonly AccountDevice[]
  /** One page of the history, a completed sign-in per row (history/sign-in-rows.ts). */
  history: Page<HistoryRow<AccountHistoryEntry>>
  /** The outcome of the last change ("Key renamed."), announced politely. */
  notice?: string
  /** A change that was refused, announced at once. */
  error?: string
  /** A refused addition (a YubiKey's tap): shown at its factor's form, which is open. */
  refused?: { factor: FactorId; error: string } | undefined
}

function recoveryHint(left: number | null): string {
  if (left === null) return 'Codes that each let you in once if you lose your phone and your keys.'
  if (left === 0) return 'You have used all your codes. Create a new set now, or you may be locked out.'
  if (runningLowOnCodes(left)) return 'You are running out of codes. Create a new set and keep it safe.'
  return 'Each code lets you in once if you lose your phone and your keys. Keep them somewhere safe.'
}

function RecoveryCodesSection({
  urls,
  csrfToken,
  left,
}: {
  urls: TapgateUrls
  csrfToken: string
  left: number | null
}) {
  const low = runningLowOnCodes(left)
  return (
    <section class="section" id={accountSectionIds.recoveryCodes} aria-labelledby="recovery-title">
      <h2 class="section-title section-title-status" id="recovery-title">
        Recovery codes<span class="visually-hidden">:</span>{' '}
        <span class={low ? 'pill pill-warn' : left === null ? 'pill' : 'pill pill-on'}>
          {left === null ? 'None' : `${left} left`}
        </span>
      </h2>
      <p class="hint" id="recovery-hint">
        {recoveryHint(left)}
      </p>
      <form class="inline-form section-action" method="post" action={urls.account.newRecoveryCodes}>
        <input type="hidden" name="csrf" value={csrfToken} />
        <button
          class={`button ${low ? 'button-primary' : 'button-secondary'} button-small`}
          type="submit"
          aria-describedby="recovery-hint"
        >
          {left === null ? 'Create recovery codes' : 'Create new codes'}
        </button>
      </form>
      {left === null ? null : <p class="hint">Creating new codes stops the old ones from working.</p>}
    </section>
  )
}

/** A factor's section, when the page has one for it. */
function FactorSection<K extends FactorId>({
  id,
  views,
  data,
  ...props
}: Omit<AccountSectionProps<AccountData[K]>, 'sectionId' | 'data' | 'canRemove'> & {
  id: K
  views: AccountPageProps['views']
  data: AccountData[K] | undefined
}) {
  if (data === undefined) return null
  const { account } = views[id]
  return account.Section({
    ...props,
    sectionId: account.sectionId,
    data,
    canRemove: mayRemove(props.ways, id),
  })
}

/**
 * The signed-in user's own sign-in security: a summary first, then each way in (forms to add one
 * folded until asked for), recovery codes, trusted devices and a page of their history.
 */
export function AccountPage({
  urls,
  views,
  username,
  csrfToken,
  factors,
  sections,
  ways,
  recoveryCodesLeft,
  devices,
  history,
  notice,
  error,
  refused,
}: AccountPageProps) {
  return (
    <Layout urls={urls} title="Your account" csrfToken={csrfToken} script={true}>
      <div class="account">
        <h1 class="title">Sign-in security</h1>
        <p class="subtitle">
          How <strong class="account-name">{username}</strong> proves it's really you after the password.
        </p>
        <Banners notice={notice} error={error} />

        <AccountSummary
          factors={factors}
          views={views}
          recoveryCodesLeft={recoveryCodesLeft}
          devices={devices.length}
        />

        {factorIds.map((id) => (
          <FactorSection
            id={id}
            views={views}
            data={sections[id]}
            urls={urls}
            csrfToken={csrfToken}
            ways={ways}
            error={refused?.factor === id ? refused.error : undefined}
          />
        ))}

        <RecoveryCodesSection urls={urls} csrfToken={csrfToken} left={recoveryCodesLeft} />

        <TrustedDevicesSection urls={urls} csrfToken={csrfToken} devices={devices} />

        <HistorySection history={history} pageHref={historyPageHref(urls.account.page)} />

        <p class="card-footer card-footer-split">
          <a class="link" href="/">
            Back to the panel
          </a>
          <a class="link" href={urls.logout}>
            Sign out
          </a>
        </p>
      </div>
    </Layout>
  )
}

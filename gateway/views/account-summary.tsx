import type { FactorId } from '../factors/factor-kinds.ts'
import type { FactorStanding } from '../factors/factor-standing.ts'
import type { FactorViewsTable } from './factors/factor-views.ts'

/** At most this many unused recovery codes and the account page urges a new set. */
const fewRecoveryCodes = 3

/** Few or no unused codes left; a user who never had a set is not running low. */
export function runningLowOnCodes(left: number | null): boolean {
  return left !== null && left <= fewRecoveryCodes
}

/** The ids of the account page's own sections, which the summary links to (a factor's: its view). */
export const accountSectionIds = {
  recoveryCodes: 'recovery-codes',
  devices: 'trusted-devices',
} as const

export interface AccountSummaryProps {
  /** What the user has of each factor offered to them (factors/factor-standing.ts). */
  factors: readonly FactorStanding[]
  /** Where each factor's section is (its view's `sectionId`). */
  views: FactorViewsTable<Record<FactorId, unknown>>
  recoveryCodesLeft: number | null
  devices: number
}

function SummaryItem({
  section,
  label,
  value,
  state,
}: {
  section: string
  label: string
  value: string
  /** on: set up; warn: needs attention; plain: neither (off, none, or a count to know). */
  state: 'on' | 'warn' | 'plain'
}) {
  const pill = state === 'on' ? 'pill pill-on' : state === 'warn' ? 'pill pill-warn' : 'pill'
  return (
    <li>
      <a class="summary-item" href={`#${section}`}>
        <span class="summary-label">{label}</span>
        <span class="visually-hidden">:</span> <span class={pill}>{value}</span>
      </a>
    </li>
  )
}

const count = (n: number) => (n === 0 ? 'None' : String(n))

/**
 * The top of the account page: each way in, the recovery codes left and the trusted browsers, at a
 * glance, each a link to its section below.
 */
export function AccountSummary({ factors, views, recoveryCodesLeft, devices }: AccountSummaryProps) {
  const codes = recoveryCodesLeft
  return (
    <section class="account-summary" aria-labelledby="summary-title">
      <h2 class="visually-hidden" id="summary-title">
        Summary
      </h2>
      <ul class="summary-list">
        {factors.map(({ id, title, shown, on }) => (
          <SummaryItem
            section={views[id].account.sectionId}
            label={title}
            value={shown}
            state={on ? 'on' : 'plain'}
          />
        ))}
        <SummaryItem
          section={accountSectionIds.recoveryCodes}
          label="Recovery codes"
          value={codes === null ? 'None' : `${codes} left`}
          state={runningLowOnCodes(codes) ? 'warn' : codes === null ? 'plain' : 'on'}
        />
        <SummaryItem
          section={accountSectionIds.devices}
          label="Trusted devices"
          value={count(devices)}
          state="plain"
        />
      </ul>
    </section>
  )
}

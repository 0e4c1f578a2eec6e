/** At most this many unused recovery codes and the account page urges a new set. */
const fewRecoveryCodes = 3

/** Few or no unused codes left; a user who never had a set is not running low. */
export function runningLowOnCodes(left: number | null): boolean {
  return left !== null && left <= fewRecoveryCodes
}

/** The ids of the account page's sections, which the summary links to. */
export const accountSectionIds = {
  keys: 'security-keys',
  yubikeys: 'yubikeys',
  app: 'authenticator-app',
  sms: 'text-messages',
  recoveryCodes: 'recovery-codes',
  devices: 'trusted-devices',
} as const

export interface AccountSummaryProps {
  keys: number
  /** null when YubiKeys (OTP mode) are off. */
  yubikeys: number | null
  hasTotp: boolean
  /** Whether a number is set up; null when text messages are off or not allowed for the user. */
  sms: boolean | null
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
export function AccountSummary({
  keys,
  yubikeys,
  hasTotp,
  sms,
  recoveryCodesLeft,
  devices,
}: AccountSummaryProps) {
  const codes = recoveryCodesLeft
  return (
    <section class="account-summary" aria-labelledby="summary-title">
      <h2 class="visually-hidden" id="summary-title">
        Summary
      </h2>
      <ul class="summary-list">
        <SummaryItem
          section={accountSectionIds.keys}
          label="Security keys"
          value={count(keys)}
          state={keys > 0 ? 'on' : 'plain'}
        />
        {yubikeys === null ? null : (
          <SummaryItem
            section={accountSectionIds.yubikeys}
            label="YubiKeys"
            value={count(yubikeys)}
            state={yubikeys > 0 ? 'on' : 'plain'}
          />
        )}
        <SummaryItem
          section={accountSectionIds.app}
          label="Authenticator app"
          value={hasTotp ? 'On' : 'Off'}
          state={hasTotp ? 'on' : 'plain'}
        />
        {sms === null ? null : (
          <SummaryItem
            section={accountSectionIds.sms}
            label="Text messages"
            value={sms ? 'On' : 'Off'}
            state={sms ? 'on' : 'plain'}
          />
        )}
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

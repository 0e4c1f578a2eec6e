import { type FactorId, factorLabels, isFactorId } from '../factors/factor-id.ts'
import type { HistoryFactor } from '../history/login-history.ts'
import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { DateTime } from './date-time.tsx'

export interface AccountDevice {
  /** The mark's id, posted back to revoke it. */
  id: string
  /** "Chrome on Windows". */
  label: string
  firstIp: string
  createdAt: number
  lastUsedAt: number
  expiresAt: number
  /** The browser showing this page holds this mark. */
  current: boolean
}

export interface AccountHistoryEntry {
  at: number
  event: string
  factor?: string | undefined
  result: string
  ip: string
  /** "Firefox on Linux". */
  device: string
  /** The whole User-Agent, on hover only. */
  userAgent?: string | undefined
  /** An admin's action: who, and the reason they gave. */
  actor?: string | undefined
  reason?: string | undefined
}

/** Browsers that skip the second factor, each revocable, and "revoke all". */
export function TrustedDevicesSection({
  urls,
  csrfToken,
  devices,
}: {
  urls: TapgateUrls
  csrfToken: string
  devices: readonly AccountDevice[]
}) {
  return (
    <section class="section" aria-labelledby="devices-title">
      <h2 class="section-title" id="devices-title">
        Trusted devices
      </h2>
      {devices.length === 0 ? (
        <p class="hint">
          None. Tick "Trust this device" when you verify, and that browser skips this step for a while.
        </p>
      ) : (
        <>
          <ul class="device-list">
            {devices.map((device, index) => (
              <li class="device">
                <div class="device-info">
                  <h3 class="device-name" id={`device-${index}`}>
                    {device.label}
                    {device.current ? <span class="pill pill-on">This device</span> : null}
                  </h3>
                  <p class="key-meta">
                    <span>First from {device.firstIp}</span>
                    <span>
                      Trusted <DateTime at={device.createdAt} />
                    </span>
                    <span>
                      Last used <DateTime at={device.lastUsedAt} />
                    </span>
                    <span>
                      Until <DateTime at={device.expiresAt} />
                    </span>
                  </p>
                </div>
                <form class="inline-form" method="post" action={urls.account.revokeDevice}>
                  <input type="hidden" name="csrf" value={csrfToken} />
                  <input type="hidden" name="id" value={device.id} />
                  <button
                    class="button button-secondary button-small"
                    type="submit"
                    aria-describedby={`device-${index}`}
                  >
                    Revoke
                  </button>
                </form>
              </li>
            ))}
          </ul>
          <form class="inline-form section-action" method="post" action={urls.account.revokeAllDevices}>
            <input type="hidden" name="csrf" value={csrfToken} />
            <button class="button button-danger button-small" type="submit">
              Revoke all trusted devices
            </button>
          </form>
        </>
      )}
    </section>
  )
}

const eventNames: Record<string, string> = {
  first_factor: 'Password',
  second_factor: 'Second step',
  enrollment: 'Set up',
  factor_changed: 'Changed',
  admin: 'By an administrator',
}

const otherProofNames: Record<Exclude<HistoryFactor, FactorId>, string> = {
  recovery_code: 'recovery code',
  password: 'password',
  invite: 'enrollment code',
  trusted_device: 'trusted device',
  exempt: 'not required for this account',
  enrollment_skipped: 'set-up skipped for now',
}

/** A stored entry's factor in words; an unknown name (from an older version) as it is. */
function factorName(factor: string): string {
  if (isFactorId(factor)) return factorLabels[factor].one
  return otherProofNames[factor as Exclude<HistoryFactor, FactorId>] ?? factor
}

/** "Wrong code", "Success": the stored result codes read as words. */
function resultText(result: string): string {
  const text = result.replaceAll('_', ' ')
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/**
 * Sign-in attempts and changes (seed 000: "a log of login attempts"), newest first, in words: a table
 * on a wide screen, one small card per entry on a phone. The account page shows a user their own; the
 * admin page shows a user's with who acted and why (`byWhom`).
 */
export function HistorySection({
  entries,
  title = 'Recent activity',
  byWhom = false,
}: {
  entries: readonly AccountHistoryEntry[]
  title?: string
  byWhom?: boolean
}) {
  return (
    <section class="section" aria-labelledby="history-title">
      <h2 class="section-title" id="history-title">
        {title}
      </h2>
      {entries.length === 0 ? (
        <p class="hint">Nothing yet.</p>
      ) : (
        <div class="table-scroll">
          <table class="history history-stackable">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Result</th>
                <th scope="col">From</th>
                {byWhom ? <th scope="col">By</th> : null}
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr
                  class={
                    entry.result === 'success' || entry.result === 'code_sent' ? undefined : 'history-refused'
                  }
                >
                  <td class="history-when">
                    <DateTime at={entry.at} withTime />
                  </td>
                  <td data-label="What">
                    {eventNames[entry.event] ?? entry.event}
                    {entry.factor && entry.event !== 'first_factor' ? `: ${factorName(entry.factor)}` : ''}
                  </td>
                  <td data-label="Result">{resultText(entry.result)}</td>
                  <td data-label="From">
                    {entry.ip}
                    <span class="history-device" title={entry.userAgent}>
                      {entry.device}
                    </span>
                  </td>
                  {byWhom ? (
                    <td data-label="By">
                      {entry.actor}
                      {entry.reason ? <span class="history-device">{entry.reason}</span> : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

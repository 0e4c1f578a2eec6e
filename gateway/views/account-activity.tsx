import { describeDuration } from '../config/duration.ts'
import { type FactorId, factorLabels, isFactorId } from '../factors/factor-kinds.ts'
import type { HistoryFactor } from '../history/login-history.ts'
import type { Page } from '../history/page-of.ts'
import type { HistoryRow } from '../history/sign-in-rows.ts'
import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { accountSectionIds } from './account-summary.tsx'
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
    <section class="section" id={accountSectionIds.devices} aria-labelledby="devices-title">
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
  passkey: 'passkey',
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

/** A completed sign-in by what completed it, for the proofs that do not read as "with a …". */
const signedInWithout: Partial<Record<HistoryFactor, string>> = {
  trusted_device: 'Signed in on a trusted device',
  exempt: 'Signed in (no second step for this account)',
  enrollment_skipped: 'Signed in (set-up skipped for now)',
}

/** "Signed in with a security key", "Signed in with an authenticator app". */
function signedInText(factor: string | undefined): string {
  if (factor === undefined) return 'Signed in'
  const without = signedInWithout[factor as HistoryFactor]
  if (without !== undefined) return without
  const name = factorName(factor)
  return `Signed in with ${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name}`
}

/** "under a minute", "3 minutes": how long the second step came after the password. */
function gapText(ms: number): string {
  return ms < 60_000 ? 'under a minute' : describeDuration(ms)
}

/** "Wrong code", "Success": the stored result codes read as words. */
function resultText(result: string): string {
  const text = result.replaceAll('_', ' ')
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** Where an entry came from: the address, and the browser and OS with the whole User-Agent on hover. */
function FromCell({ entry }: { entry: AccountHistoryEntry }) {
  return (
    <td data-label="From">
      {entry.ip}
      <span class="history-device" title={entry.userAgent}>
        {entry.device}
      </span>
    </td>
  )
}

function HistoryTableRow({ row, byWhom }: { row: HistoryRow<AccountHistoryEntry>; byWhom: boolean }) {
  if (row.kind === 'sign_in') {
    const { password, completed } = row
    return (
      <tr class="history-sign-in">
        <td class="history-when">
          <DateTime at={completed.at} withTime />
        </td>
        <td data-label="What">
          {signedInText(completed.factor)}
          {/* A passkey stood for the password too: there was no password step to time. */}
          {password.factor === undefined || password.factor === 'password' ? (
            <span class="history-step">Password {gapText(completed.at - password.at)} before</span>
          ) : null}
        </td>
        <td data-label="Result">{resultText(completed.result)}</td>
        <FromCell entry={completed} />
        {byWhom ? <td data-label="By"></td> : null}
      </tr>
    )
  }
  const { entry } = row
  return (
    <tr class={entry.result === 'success' || entry.result === 'code_sent' ? undefined : 'history-refused'}>
      <td class="history-when">
        <DateTime at={entry.at} withTime />
      </td>
      <td data-label="What">
        {eventNames[entry.event] ?? entry.event}
        {entry.factor && entry.event !== 'first_factor' ? `: ${factorName(entry.factor)}` : ''}
      </td>
      <td data-label="Result">{resultText(entry.result)}</td>
      <FromCell entry={entry} />
      {byWhom ? (
        <td data-label="By">
          {entry.actor}
          {entry.reason ? <span class="history-device">{entry.reason}</span> : null}
        </td>
      ) : null}
    </tr>
  )
}

/** "Newer" and "Older" between pages of the history; nothing when it fits on one. */
function HistoryPager({
  page,
  pages,
  pageHref,
}: {
  page: number
  pages: number
  pageHref: (page: number) => string
}) {
  if (pages <= 1) return null
  return (
    <nav class="pager" aria-label="Activity pages">
      {page > 1 ? (
        <a class="link" href={pageHref(page - 1)} rel="prev">
          Newer
        </a>
      ) : null}
      <span class="pager-place">
        Page {page} of {pages}
      </span>
      {page < pages ? (
        <a class="link" href={pageHref(page + 1)} rel="next">
          Older
        </a>
      ) : null}
    </nav>
  )
}

/** The anchor of the history section, which the pager's links return to. */
export const historySectionId = 'activity'

/**
 * Sign-ins, refused attempts and changes (seed 000: "a log of login attempts"), newest first, in
 * words, a page at a time: a table on a wide screen, one small card per row on a phone. A password
 * and the second step that completed it are one row (history/sign-in-rows.ts). The account page shows
 * a user their own; the admin page shows a user's with who acted and why (`byWhom`).
 */
export function HistorySection({
  history,
  pageHref,
  title = 'Recent activity',
  byWhom = false,
}: {
  history: Page<HistoryRow<AccountHistoryEntry>>
  /** The address of another page of the history. */
  pageHref: (page: number) => string
  title?: string
  byWhom?: boolean
}) {
  return (
    <section class="section" id={historySectionId} aria-labelledby="history-title">
      <h2 class="section-title" id="history-title">
        {title}
      </h2>
      {history.items.length === 0 ? (
        <p class="hint">Nothing yet.</p>
      ) : (
        <>
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
                {history.items.map((row) => (
                  <HistoryTableRow row={row} byWhom={byWhom} />
                ))}
              </tbody>
            </table>
          </div>
          <HistoryPager page={history.page} pages={history.pages} pageHref={pageHref} />
        </>
      )}
    </section>
  )
}

/** `base?page=N#activity`, the first page without the query: the pager's links. */
export function historyPageHref(base: string): (page: number) => string {
  return (page) => `${page === 1 ? base : `${base}?page=${page}`}#${historySectionId}`
}

import type { IncomingMessage } from 'node:http'
import type { Logger } from 'pino'
import { z } from 'zod'
import type { Clock } from '../deps.ts'
import type { PasskeySignIn, Proof } from '../factors/factor-kinds.ts'
import { requestIdOf } from '../http/request-id.ts'
import type { Metrics } from '../observability/metrics.ts'
import { safeJson } from '../safe-json.ts'
import { keys } from '../store/keys.ts'
import type { Store } from '../store/store.ts'

/** What happened: a sign-in step, an enrollment, a change to the user's factors, an admin's action. */
export type HistoryEvent = 'first_factor' | 'second_factor' | 'enrollment' | 'factor_changed' | 'admin'

/**
 * What an entry is about: a factor or recovery code, the password, a passkey (both steps at once), or
 * why a second step was skipped.
 */
export type HistoryFactor =
  | Proof
  | PasskeySignIn
  | 'password'
  | 'invite'
  | 'trusted_device'
  | 'exempt'
  | 'enrollment_skipped'

const entry = z.object({
  at: z.number(),
  event: z.enum(['first_factor', 'second_factor', 'enrollment', 'factor_changed', 'admin']),
  /** success, wrong_password, wrong_code, replayed, locked_out, trusted_device, removed, reset … */
  result: z.string(),
  /** A HistoryFactor when written; read as any string, so that older entries still show. */
  factor: z.string().optional(),
  ip: z.string(),
  userAgent: z.string(),
  /** Who acted when it was not the user (an admin), and why. */
  actor: z.string().optional(),
  reason: z.string().optional(),
})

export type HistoryEntry = z.infer<typeof entry>

/** The fields a caller records: the rest (when, from where) the history adds. */
export type HistoryFields = Omit<HistoryEntry, 'at' | 'ip' | 'userAgent' | 'factor'> & {
  factor?: HistoryFactor
}

/** Where a request came from, as the history records it. */
export interface RequestOrigin {
  ip: string
  userAgent: string
  /** X-Request-Id, for the log line: it ties the entry to the panel's own logs. Not kept in the history. */
  requestId?: string
}

const MAX_USER_AGENT = 256

export function requestOrigin(incoming: IncomingMessage, ip: string): RequestOrigin {
  const userAgent = (incoming.headers['user-agent'] ?? '').slice(0, MAX_USER_AGENT)
  const requestId = requestIdOf(incoming)
  return requestId === undefined ? { ip, userAgent } : { ip, userAgent, requestId }
}

export interface HistoryLimits {
  max_entries: number
  max_age: number
}

/**
 * Every sign-in attempt and every change to a user's factors, per user, newest first: what the
 * account page and the admin page show. Capped by count in the store and by age when read. Each
 * entry is also a JSON log line (event, user, result …), so one call does both.
 */
export class LoginHistory {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly limits: HistoryLimits,
    private readonly metrics: Metrics,
  ) {}

  /**
   * `logOnly` adds fields to the log line that the user's history does not show (a library's detail);
   * `level` and `message` mark a line an operator should notice; `inHistory: false` keeps an attempt
   * out of the history (a lockout's repeated refusals), but not out of the log and the counts.
   */
  async record(
    user: string,
    origin: RequestOrigin,
    fields: HistoryFields,
    {
      logOnly = {},
      level = 'info',
      message = `${fields.event}: ${fields.result}`,
      inHistory = true,
    }: {
      logOnly?: Record<string, unknown>
      level?: 'info' | 'warn'
      message?: string
      inHistory?: boolean
    } = {},
  ): Promise<void> {
    const { requestId, ...where } = origin
    const recorded: HistoryEntry = { at: this.clock.now(), ...where, ...fields }
    const { userAgent: _userAgent, at: _at, ...logged } = recorded
    this.log[level]({ ...logged, ...logOnly, user, requestId }, message)
    this.#count(fields)
    if (inHistory) {
      await this.store.pushCapped(keys.history(user), JSON.stringify(recorded), this.limits.max_entries)
    }
  }

  /**
   * A refused password for a name tapgate knows nothing of: a log line and a count, but no history,
   * so that made-up usernames cannot fill the store.
   */
  recordUnknownUser(user: string, origin: RequestOrigin, result: string): void {
    const fields = { event: 'first_factor', factor: 'password', result } as const
    this.log.info({ ...fields, user, ip: origin.ip }, `first_factor: ${result}`)
    this.#count(fields)
  }

  #count({ event, factor, result }: HistoryFields): void {
    if (event === 'first_factor' || event === 'second_factor' || event === 'enrollment') {
      this.metrics.loginAttempts.inc({ step: event, factor: factor ?? 'none', result })
    }
  }

  /** Newest first, without entries older than max_age or that no longer parse. */
  async of(user: string): Promise<HistoryEntry[]> {
    const oldest = this.clock.now() - this.limits.max_age
    const entries: HistoryEntry[] = []
    for (const text of await this.store.recent(keys.history(user))) {
      const parsed = entry.safeParse(safeJson(text))
      if (parsed.success && parsed.data.at >= oldest) entries.push(parsed.data)
    }
    return entries
  }
}

import type { IncomingMessage } from 'node:http'
import type { Logger } from 'pino'
import { z } from 'zod'
import type { Clock } from '../deps.ts'
import { safeJson } from '../safe-json.ts'
import { keys } from '../store/keys.ts'
import type { Store } from '../store/store.ts'

/** What happened: a sign-in step, an enrollment, a change to the user's factors, an admin's action. */
export type HistoryEvent = 'first_factor' | 'second_factor' | 'enrollment' | 'factor_changed' | 'admin'

const entry = z.object({
  at: z.number(),
  event: z.enum(['first_factor', 'second_factor', 'enrollment', 'factor_changed', 'admin']),
  /** success, wrong_password, wrong_code, replayed, locked_out, trusted_device, removed, reset … */
  result: z.string(),
  factor: z.string().optional(),
  ip: z.string(),
  userAgent: z.string(),
  /** Who acted when it was not the user (an admin), and why. */
  actor: z.string().optional(),
  reason: z.string().optional(),
})

export type HistoryEntry = z.infer<typeof entry>

/** Where a request came from, as the history records it. */
export interface RequestOrigin {
  ip: string
  userAgent: string
}

const MAX_USER_AGENT = 256

export function requestOrigin(incoming: IncomingMessage, ip: string): RequestOrigin {
  return { ip, userAgent: (incoming.headers['user-agent'] ?? '').slice(0, MAX_USER_AGENT) }
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
  ) {}

  /**
   * `logOnly` adds fields to the log line that the user's history does not show (a library's detail);
   * `level` and `message` mark a line an operator should notice.
   */
  async record(
    user: string,
    origin: RequestOrigin,
    fields: Omit<HistoryEntry, 'at' | 'ip' | 'userAgent'>,
    {
      logOnly = {},
      level = 'info',
      message = `${fields.event}: ${fields.result}`,
    }: { logOnly?: Record<string, unknown>; level?: 'info' | 'warn'; message?: string } = {},
  ): Promise<void> {
    const recorded: HistoryEntry = { at: this.clock.now(), ...origin, ...fields }
    const { userAgent: _userAgent, at: _at, ...logged } = recorded
    this.log[level]({ ...logged, ...logOnly, user }, message)
    await this.store.pushCapped(keys.history(user), JSON.stringify(recorded), this.limits.max_entries)
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

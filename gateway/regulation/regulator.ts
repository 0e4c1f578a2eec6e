import type { Logger } from 'pino'
import type { Clock } from '../deps.ts'
import type { Metrics } from '../observability/metrics.ts'
import { keys } from '../store/keys.ts'
import type { Store } from '../store/store.ts'

export interface RegulationSettings {
  max_failures: number
  window: number
  ban_time: number
}

/**
 * Failed attempts (panel passwords and second factors alike) are counted per user and per client
 * IP in a fixed window; reaching the limit bans that user or that IP for the ban time. Banned
 * attempts are refused before any check runs, so a ban also stops password guessing at the panel.
 */
export class Regulator {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly settings: RegulationSettings,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** Milliseconds until the ban ends, or 0 when neither the user nor the IP is banned. */
  async bannedFor(user: string | null, ip: string): Promise<number> {
    const [userBan, ipBan] = await Promise.all([
      user === null ? null : this.store.get(keys.banOfUser(user)),
      this.store.get(keys.banOfIp(ip)),
    ])
    const until = Math.max(Number(userBan ?? 0), Number(ipBan ?? 0))
    return Math.max(0, until - this.clock.now())
  }

  async recordFailure(user: string, ip: string, factor: string): Promise<void> {
    const { window, max_failures, ban_time } = this.settings
    const [byUser, byIp] = await Promise.all([
      this.store.increment(keys.failuresOfUser(user), window),
      this.store.increment(keys.failuresOfIp(ip), window),
    ])
    const until = String(this.clock.now() + ban_time)
    // Exactly the attempt that reaches the limit bans, so a lockout is logged once.
    if (byUser === max_failures) {
      await this.store.set(keys.banOfUser(user), until, ban_time)
      this.log.warn(
        { event: 'lockout', subject: 'user', user, ip, factor, banMs: ban_time },
        'user locked out',
      )
      this.metrics.lockouts.inc({ subject: 'user' })
    }
    if (byIp === max_failures) {
      await this.store.set(keys.banOfIp(ip), until, ban_time)
      this.log.warn(
        { event: 'lockout', subject: 'ip', user, ip, factor, banMs: ban_time },
        'client IP locked out',
      )
      this.metrics.lockouts.inc({ subject: 'ip' })
    }
  }

  /** A success ends the user's run of failures; the IP's count stands (it may be spraying many users). */
  async recordSuccess(user: string): Promise<void> {
    await this.store.delete(keys.failuresOfUser(user))
  }

  /** When the user's own lockout ends (ms since the epoch); null when they are not locked out. */
  async userBannedUntil(user: string): Promise<number | null> {
    const until = Number((await this.store.get(keys.banOfUser(user))) ?? 0)
    return until > this.clock.now() ? until : null
  }

  /** An admin lifts the user's lockout and forgets their failures; bans of IP addresses stay. */
  async unban(user: string): Promise<void> {
    await Promise.all([this.store.delete(keys.banOfUser(user)), this.store.delete(keys.failuresOfUser(user))])
  }
}

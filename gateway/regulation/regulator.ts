import type { Logger } from 'pino'
import type { Clock } from '../deps.ts'
import { addressBlock } from '../http/address-block.ts'
import type { Metrics } from '../observability/metrics.ts'
import { keys } from '../store/keys.ts'
import type { Store } from '../store/store.ts'

export interface RegulationSettings {
  window: number
  ban_time: number
  /** Failures of one user from one address block. */
  max_failures: number
  /** Failures of one user from every address together. */
  max_failures_per_user: number
  /** Failures from one address block across every user (password spraying). */
  max_failures_per_ip: number
}

/** What holds an attempt back: this user from this address, this address for everyone, or this user. */
export type LockoutSubject = 'user_at_ip' | 'ip' | 'user'

export interface Lockout {
  subject: LockoutSubject
  /** When attempts are taken again (ms since the epoch). */
  until: number
}

/** A locked address block and when its lockout ends. */
export interface AddressLock {
  block: string
  until: number
}

/**
 * Failed attempts (panel passwords and second factors alike) are counted in a fixed window per user
 * at one address block, per user, and per address block (an IPv4 address, an IPv6 /64), each with
 * its own limit; reaching one locks that subject for the ban time. Locked attempts are refused
 * before any check runs, so a lockout also stops password guessing at the panel.
 *
 * A lockout must not be a weapon (OWASP ASVS V2.2, Authelia's regulation): a user's own lockout,
 * which anyone can cause by guessing from many addresses, does not hold back that user's trusted
 * browsers, nor an address that has no failures for them (each fresh address gets one try, so a
 * distributed guesser gains little). An address's lockout, which catches spraying and also everyone
 * behind the same NAT, does not hold back a browser the user trusted either.
 */
export class Regulator {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly settings: RegulationSettings,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  /**
   * The lockout that refuses this user's attempt from `ip`, or null. `vouched` tells whether the
   * browser carries the user's trust mark; it is asked only when that could lift a lockout.
   */
  async lockoutOf(
    user: string,
    ip: string,
    vouched: () => Promise<boolean> = async () => false,
  ): Promise<Lockout | null> {
    const block = addressBlock(ip)
    const [atIp, ofIp, ofUser, failuresAtIp] = await Promise.all([
      this.store.get(keys.banOfUserAtIp(user, block)),
      this.store.get(keys.banOfIp(block)),
      this.store.get(keys.banOfUser(user)),
      this.store.get(keys.failuresOfUserAtIp(user, block)),
    ])
    const userAtIp = this.#live(atIp)
    if (userAtIp !== null) return { subject: 'user_at_ip', until: userAtIp }
    const candidates: Lockout[] = []
    const ipUntil = this.#live(ofIp)
    if (ipUntil !== null) candidates.push({ subject: 'ip', until: ipUntil })
    const userUntil = this.#live(ofUser)
    if (userUntil !== null && Number(failuresAtIp ?? 0) > 0)
      candidates.push({ subject: 'user', until: userUntil })
    if (candidates.length === 0 || (await vouched())) return null
    return candidates.reduce((latest, lockout) => (lockout.until > latest.until ? lockout : latest))
  }

  async recordFailure(user: string, ip: string, factor: string): Promise<void> {
    const { window, max_failures, max_failures_per_user, max_failures_per_ip } = this.settings
    const block = addressBlock(ip)
    const [atIp, byUser, byIp] = await Promise.all([
      this.store.increment(keys.failuresOfUserAtIp(user, block), window),
      this.store.increment(keys.failuresOfUser(user), window),
      this.store.increment(keys.failuresOfIp(block), window),
    ])
    // Exactly the attempt that reaches a limit locks, so each lockout is logged once.
    const context = { user, ip, block, factor }
    if (atIp === max_failures) {
      await this.#lock(keys.banOfUserAtIp(user, block), 'user_at_ip', context, keys.bannedIpsOfUser(user))
    }
    if (byUser === max_failures_per_user) await this.#lock(keys.banOfUser(user), 'user', context)
    if (byIp === max_failures_per_ip) await this.#lock(keys.banOfIp(block), 'ip', context, keys.bannedIps())
  }

  /**
   * A completed sign-in ends the user's run of failures, here and overall. The address's own count
   * stands (it may be spraying many users), and so does a lockout already in force.
   */
  async recordSuccess(user: string, ip: string): Promise<void> {
    const block = addressBlock(ip)
    await Promise.all([
      this.store.delete(keys.failuresOfUser(user)),
      this.store.delete(keys.failuresOfUserAtIp(user, block)),
    ])
  }

  /**
   * True for the first refusal under this lockout of this user from this address block: only that
   * one goes into the user's history, so an attacker's refused attempts cannot push real entries out.
   */
  async isFirstRefusal(user: string, ip: string, lockout: Lockout): Promise<boolean> {
    const ttl = Math.max(1, lockout.until - this.clock.now())
    return this.store.setIfAbsent(keys.lockoutNoted(user, addressBlock(ip), lockout.until), '1', ttl)
  }

  /** The user's own lockout (null when none) and the address blocks they are locked out from. */
  async lockoutsOfUser(user: string): Promise<{ until: number | null; addresses: AddressLock[] }> {
    const [own, blocks] = await Promise.all([
      this.store.get(keys.banOfUser(user)),
      this.store.members(keys.bannedIpsOfUser(user)),
    ])
    const addresses = await this.#addressLocks(blocks, (block) => keys.banOfUserAtIp(user, block))
    return { until: this.#live(own), addresses }
  }

  /** Address blocks locked for everyone, soonest to end first. */
  async lockedAddresses(): Promise<AddressLock[]> {
    const blocks = await this.store.members(keys.bannedIps())
    return this.#addressLocks(blocks, (block) => keys.banOfIp(block))
  }

  /** An admin lifts the user's lockouts (overall and per address) and forgets their failures. */
  async liftUser(user: string): Promise<void> {
    const blocks = await this.store.members(keys.bannedIpsOfUser(user))
    await Promise.all([
      this.store.delete(keys.banOfUser(user)),
      this.store.delete(keys.failuresOfUser(user)),
      this.store.delete(keys.bannedIpsOfUser(user)),
      ...blocks.flatMap((block) => [
        this.store.delete(keys.banOfUserAtIp(user, block)),
        this.store.delete(keys.failuresOfUserAtIp(user, block)),
      ]),
    ])
  }

  /**
   * An admin lifts the lockout of the block holding `address` and forgets its failures. Returns the
   * block, or null when it was not locked.
   */
  async liftAddress(address: string): Promise<string | null> {
    const block = addressBlock(address)
    const locked = this.#live(await this.store.get(keys.banOfIp(block))) !== null
    await Promise.all([
      this.store.delete(keys.banOfIp(block)),
      this.store.delete(keys.failuresOfIp(block)),
      this.store.removeMember(keys.bannedIps(), block),
    ])
    return locked ? block : null
  }

  async #lock(
    banKey: string,
    subject: LockoutSubject,
    context: { user: string; ip: string; block: string; factor: string },
    index?: string,
  ): Promise<void> {
    const { ban_time } = this.settings
    await this.store.set(banKey, String(this.clock.now() + ban_time), ban_time)
    if (index !== undefined) await this.store.addMember(index, context.block, ban_time)
    this.log.warn({ event: 'lockout', subject, ...context, banMs: ban_time }, lockoutMessages[subject])
    this.metrics.lockouts.inc({ subject })
  }

  async #addressLocks(blocks: string[], banKey: (block: string) => string): Promise<AddressLock[]> {
    const untils = await Promise.all(blocks.map((block) => this.store.get(banKey(block))))
    return blocks
      .map((block, at) => ({ block, until: this.#live(untils[at]) }))
      .filter((lock): lock is AddressLock => lock.until !== null)
      .sort((a, b) => a.until - b.until)
  }

  /** A stored lockout end that is still ahead, else null. */
  #live(value: string | null | undefined): number | null {
    const until = Number(value ?? 0)
    return until > this.clock.now() ? until : null
  }
}

const lockoutMessages: Record<LockoutSubject, string> = {
  user_at_ip: 'user locked out from one address',
  user: 'user locked out',
  ip: 'client address locked out',
}

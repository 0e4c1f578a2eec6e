import { setTimeout as sleep } from 'node:timers/promises'
import { Cluster, type Redis } from 'ioredis'
import { parseRedisUrl } from '../config/redis-address.ts'
import { type Clock, systemClock } from '../deps.ts'
import { keys } from './keys.ts'
import { CONNECT_TIMEOUT_MS, connectRedis, type RedisConnection } from './redis-connection.ts'
import { checkMaxLength, StoreUnavailableError } from './store.ts'
import { byMember, type MovableStore, restoreEntry, type StoreEntry } from './store-entry.ts'
import { TrackedReads } from './tracked-reads.ts'
import { checkTtl } from './ttl.ts'

// INCR creates a missing key without expiry; the PEXPIRE only on creation keeps a window fixed.
const INCREMENT_SCRIPT = `local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`

// A member's score is its expiry time in ms (+inf: never). Expired members are dropped on every add,
// and the set's own expiry follows its latest member, so an index nobody adds to again still goes.
// The expiry is relative to the caller's clock, which judges the scores, not to the server's.
const ADD_MEMBER_SCRIPT = `redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] == 'inf' then redis.call('PERSIST', KEYS[1])
else redis.call('PEXPIRE', KEYS[1], tonumber(last[2]) - tonumber(ARGV[1])) end`

// Replies that mean "the server cannot serve right now", as opposed to a wrong command.
const UNAVAILABLE_REPLY = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|OOM|NOREPLICAS|MISCONF)\b/

export class RedisStore implements MovableStore {
  readonly #client: Redis | Cluster
  readonly #keyPrefix: string
  /** Sessions kept locally, coherent through Redis's own change messages; none with a Cluster. */
  readonly #tracked: TrackedReads | null
  // With the offline queue off, a command sent before the first connection is up fails at once.
  // Until the first attempt is decided (ready, failed, or timed out) commands wait for it; later
  // outages fail immediately.
  readonly #firstAttempt: Promise<unknown>
  #attempted: boolean

  constructor(
    client: Redis | Cluster,
    keyPrefix: string,
    /** Judges set members' expiry (their scores); keys' own expiry is the server's. */
    private readonly clock: Clock = systemClock,
  ) {
    this.#client = client
    this.#keyPrefix = keyPrefix
    // Sessions are read on every request and change rarely: the one family worth a local copy.
    this.#tracked = client instanceof Cluster ? null : new TrackedReads(client, this.#key(keys.session('')))
    this.#attempted = client.status === 'ready'
    this.#firstAttempt = Promise.race([
      new Promise((resolve) => client.once('ready', resolve)),
      new Promise((resolve) => client.once('close', resolve)),
      sleep(CONNECT_TIMEOUT_MS, undefined, { ref: false }),
    ]).finally(() => {
      this.#attempted = true
    })
  }

  get(key: string): Promise<string | null> {
    return this.#run(() => this.#client.get(this.#key(key)))
  }

  getParsed<T>(key: string, parse: (text: string) => T | null): Promise<T | null> {
    const redisKey = this.#key(key)
    const fetch = () => this.#run(() => this.#client.get(redisKey))
    if (this.#tracked !== null) return this.#tracked.read(redisKey, fetch, parse)
    return fetch().then((text) => (text === null ? null : parse(text)))
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs === undefined) {
      await this.#run(() => this.#client.set(this.#key(key), value))
    } else {
      const px = checkTtl(ttlMs)
      await this.#run(() => this.#client.set(this.#key(key), value, 'PX', px))
    }
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (ttlMs === undefined) {
      return (await this.#run(() => this.#client.set(this.#key(key), value, 'NX'))) === 'OK'
    }
    const px = checkTtl(ttlMs)
    return (await this.#run(() => this.#client.set(this.#key(key), value, 'PX', px, 'NX'))) === 'OK'
  }

  take(key: string): Promise<string | null> {
    return this.#run(() => this.#client.getdel(this.#key(key)))
  }

  async delete(key: string): Promise<void> {
    await this.#run(() => this.#client.del(this.#key(key)))
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const px = checkTtl(ttlMs)
    const count = await this.#run(() => this.#client.eval(INCREMENT_SCRIPT, 1, this.#key(key), px))
    if (typeof count !== 'number') throw new TypeError(`increment script returned ${typeof count}`)
    return count
  }

  async ttl(key: string): Promise<number | null> {
    const remaining = await this.#run(() => this.#client.pttl(this.#key(key)))
    // -2: no such key, -1: no expiry.
    return remaining < 0 ? null : remaining
  }

  async addMember(key: string, member: string, ttlMs?: number): Promise<void> {
    const now = this.clock.now()
    const expiresAt = ttlMs === undefined ? '+inf' : now + checkTtl(ttlMs)
    await this.#run(() => this.#client.eval(ADD_MEMBER_SCRIPT, 1, this.#key(key), now, member, expiresAt))
  }

  async removeMember(key: string, member: string): Promise<void> {
    await this.#run(() => this.#client.zrem(this.#key(key), member))
  }

  async members(key: string): Promise<string[]> {
    const live = await this.#run(() =>
      this.#client.zrangebyscore(this.#key(key), `(${this.clock.now()}`, '+inf'),
    )
    // The set is ordered by expiry; callers want the members themselves in order.
    return live.sort()
  }

  async pushCapped(key: string, value: string, maxLength: number): Promise<void> {
    const keep = checkMaxLength(maxLength)
    const list = this.#key(key)
    await this.#run(() =>
      this.#client
        .multi()
        .lpush(list, value)
        .ltrim(list, 0, keep - 1)
        .exec()
        .then(execReplies),
    )
  }

  recent(key: string): Promise<string[]> {
    return this.#run(() => this.#client.lrange(this.#key(key), 0, -1))
  }

  /**
   * SCAN, never KEYS (which blocks the server), for the keys under this store's prefix; on a Cluster,
   * on every master, since each holds its own slots. SCAN may return a key twice; it is listed once.
   */
  async *entries(): AsyncIterable<StoreEntry> {
    await this.#run(() => this.#client.ping())
    const servers = this.#client instanceof Cluster ? this.#client.nodes('master') : [this.#client]
    const pattern = `${this.#keyPrefix.replace(/[*?[\]\\]/g, '\\$&')}*`
    for (const server of servers) {
      const seen = new Set<string>()
      let cursor = '0'
      do {
        const [next, found] = await this.#run(() => server.scan(cursor, 'MATCH', pattern, 'COUNT', 500))
        cursor = next
        for (const key of found) {
          if (seen.has(key)) continue
          seen.add(key)
          const entry = await this.#entryAt(key)
          if (entry !== null) yield entry
        }
      } while (cursor !== '0')
    }
  }

  restore(entry: StoreEntry): Promise<void> {
    return restoreEntry(this, entry)
  }

  /** What a key holds now; null when it expired or went since SCAN saw it. */
  async #entryAt(redisKey: string): Promise<StoreEntry | null> {
    const key = redisKey.slice(this.#keyPrefix.length)
    const type = await this.#run(() => this.#client.type(redisKey))
    switch (type) {
      case 'none':
        return null
      case 'string': {
        const [value, remaining] = await this.#run(() =>
          Promise.all([this.#client.get(redisKey), this.#client.pttl(redisKey)]),
        )
        // -2: gone meanwhile; 0: expiring this very millisecond; -1: no expiry.
        if (value === null || remaining === -2 || remaining === 0) return null
        return { key, kind: 'value', value, ttlMs: remaining === -1 ? null : remaining }
      }
      case 'zset': {
        const now = this.clock.now()
        const scored = await this.#run(() => this.#client.zrange(redisKey, '0', '-1', 'WITHSCORES'))
        const members = []
        for (let i = 0; i < scored.length; i += 2) {
          const member = scored[i] as string
          const score = scored[i + 1] as string
          if (score === 'inf') members.push({ member, ttlMs: null })
          else if (Number(score) > now) members.push({ member, ttlMs: Number(score) - now })
        }
        return members.length === 0 ? null : { key, kind: 'members', members: members.sort(byMember) }
      }
      case 'list': {
        const values = await this.#run(() => this.#client.lrange(redisKey, 0, -1))
        return values.length === 0 ? null : { key, kind: 'list', values }
      }
      default:
        throw new Error(
          `Redis key ${redisKey} holds a ${type}, which tapgate never writes: is key_prefix shared?`,
        )
    }
  }

  async ping(): Promise<void> {
    await this.#run(() => this.#client.ping())
  }

  async close(): Promise<void> {
    this.#tracked?.close()
    if (this.#client.status === 'end') return
    try {
      await this.#client.quit()
    } catch {
      // Not connected: QUIT cannot be sent, so stop the reconnect loop directly.
      this.#client.disconnect()
    }
  }

  #key(key: string): string {
    return this.#keyPrefix + key
  }

  // Plain promise chaining, not async/await: this wraps every session read on the hot path.
  #run<T>(command: () => Promise<T>): Promise<T> {
    if (!this.#attempted) return this.#firstAttempt.then(() => command().catch(asStoreError))
    return command().catch(asStoreError)
  }
}

/**
 * A store on standalone Redis (a redis:// or rediss:// URL), Sentinel or Cluster. Every method
 * touches a single key, so with a Cluster each command, script and MULTI stays within one slot.
 */
export function createRedisStore(
  connection: RedisConnection | string,
  keyPrefix: string,
  clock: Clock = systemClock,
): RedisStore {
  const resolved = typeof connection === 'string' ? parseRedisUrl(connection) : connection
  return new RedisStore(connectRedis(resolved), keyPrefix, clock)
}

// EXEC answers with each command's own reply or error; the first error fails the whole call.
function execReplies(replies: [error: Error | null, result: unknown][] | null): unknown[] {
  if (replies === null) throw new Error('MULTI was discarded')
  return replies.map(([error, result]) => {
    if (error) throw error
    return result
  })
}

function asStoreError(error: unknown): never {
  const reason = firstRefusal(error) ?? error
  throw isUnavailable(reason) ? new StoreUnavailableError('Redis is unavailable', { cause: reason }) : reason
}

// A MULTI that Redis refused to queue (READONLY, OOM, …) fails as EXECABORT; the reason is the first
// refusal. When a Cluster node's connection fails, every command of the MULTI, EXEC included, fails
// with one and the same error, which then lists itself among the refusals.
function firstRefusal(error: unknown): Error | undefined {
  if (!(error instanceof Error) || !('previousErrors' in error) || !Array.isArray(error.previousErrors)) {
    return undefined
  }
  return error.previousErrors.find((refusal) => refusal instanceof Error && refusal !== error)
}

function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  return error.name !== 'ReplyError' || UNAVAILABLE_REPLY.test(error.message)
}

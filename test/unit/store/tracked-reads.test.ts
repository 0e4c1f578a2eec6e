import { EventEmitter } from 'node:events'
import { setImmediate as turn } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import { describe, expect, it, vi } from 'vitest'
import { TrackedReads } from '../../../gateway/store/tracked-reads.ts'

/**
 * TrackedReads keeps parsed copies of values under a prefix only while its own connection follows
 * Redis's change messages (CLIENT TRACKING … BCAST, RESP2, redirected to itself). Here that connection
 * is a fake feed the test drives: 'ready', the set-up's replies, 'messageBuffer' and 'close' arrive
 * exactly when the test says, and every read's `fetch` counts the trips to Redis.
 */
const prefix = 'p:session:'
const invalidationChannel = Buffer.from('__redis__:invalidate')

/** A settable promise: the test decides when a reply arrives. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: Error) => void
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok
    reject = fail
  })
  return { promise, resolve, reject }
}

/** The duplicate connection: records what it was sent and answers as Redis would. */
class FakeFeed extends EventEmitter {
  readonly sent: unknown[][] = []
  /** The id CLIENT ID answers with; a new connection gets a new one. */
  id = 7
  /** When set, SUBSCRIBE answers only when this resolves. */
  subscribeReply: Promise<number> | null = null
  disconnected = 0

  async client(subcommand: 'ID'): Promise<number> {
    this.sent.push(['CLIENT', subcommand])
    return this.id
  }

  async call(...args: string[]): Promise<unknown> {
    this.sent.push(args)
    return 'OK'
  }

  subscribe(channel: string): Promise<number> {
    this.sent.push(['SUBSCRIBE', channel])
    return this.subscribeReply ?? Promise.resolve(1)
  }

  /** What PING answers with; a promise that never settles is a connection that died without a word. */
  pingReply: Promise<unknown> = Promise.resolve(['pong', ''])

  ping(): Promise<unknown> {
    this.sent.push(['PING'])
    return this.pingReply
  }

  disconnect(): void {
    this.disconnected++
  }

  /** Redis telling of changed keys; null: every key (FLUSHDB, or its tracking table overflowed). */
  invalidate(keys: string[] | null): void {
    this.emit(
      'messageBuffer',
      invalidationChannel,
      keys === null ? null : keys.map((key) => Buffer.from(key)),
    )
  }
}

/** The values "in Redis", a counted fetch for each key, and a TrackedReads on a fake feed. */
function setUp(maxEntries?: number) {
  const feed = new FakeFeed()
  const duplicateOptions: unknown[] = []
  const client = {
    duplicate(options: unknown) {
      duplicateOptions.push(options)
      return feed
    },
  }
  const reads = new TrackedReads(client as unknown as Redis, prefix, maxEntries)
  const redis = new Map<string, string>()
  const fetches: string[] = []
  const fetchOf = (key: string) => async () => {
    fetches.push(key)
    return redis.get(key) ?? null
  }
  const parse = (text: string): { value: string } | null => (text === 'garbage' ? null : { value: text })
  const read = (key: string) => reads.read(key, fetchOf(key), parse)
  /** How many times `key` was fetched from "Redis". */
  const fetchCount = (key: string) => fetches.filter((fetched) => fetched === key).length
  /** The feed connects and its set-up completes: copies are kept from now on. */
  const follow = async () => {
    feed.emit('ready')
    await expect.poll(() => reads.coherent).toBe(true)
  }
  /** The feed follows, and each key is set "in Redis" and read once: its copy is kept. */
  const holdCopies = async (values: Record<string, string>) => {
    await follow()
    for (const [key, value] of Object.entries(values)) {
      redis.set(key, value)
      await read(key)
    }
  }
  return { feed, duplicateOptions, reads, redis, read, parse, fetchCount, follow, holdCopies }
}

describe('TrackedReads', () => {
  it('opens a RESP2 duplicate that tracks the prefix, redirected to its own id, and subscribes', async () => {
    const { feed, duplicateOptions, reads, follow } = setUp()
    expect(duplicateOptions).toEqual([{ protocol: 2, autoResubscribe: false }])
    expect(feed.sent).toEqual([])
    feed.id = 42
    await follow()
    expect(feed.sent).toEqual([
      ['CLIENT', 'ID'],
      ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', '42', 'BCAST', 'PREFIX', prefix],
      ['SUBSCRIBE', '__redis__:invalidate'],
    ])
    reads.close()
    expect(feed.disconnected).toBe(1)
  })

  it('keeps no copy before the feed is ready and subscribed: every read fetches', async () => {
    const { feed, reads, redis, read, fetchCount } = setUp()
    redis.set('p:session:a', 'one')
    expect(await read('p:session:a')).toEqual({ value: 'one' })
    expect(await read('p:session:a')).toEqual({ value: 'one' })
    expect(fetchCount('p:session:a')).toBe(2)

    // Ready, tracking asked for, but SUBSCRIBE not yet answered: change messages may still be lost.
    const subscribed = deferred<number>()
    feed.subscribeReply = subscribed.promise
    feed.emit('ready')
    await expect.poll(() => feed.sent.some(([command]) => command === 'SUBSCRIBE')).toBe(true)
    expect(reads.coherent).toBe(false)
    expect(await read('p:session:a')).toEqual({ value: 'one' })
    expect(await read('p:session:a')).toEqual({ value: 'one' })
    expect(fetchCount('p:session:a')).toBe(4)

    subscribed.resolve(1)
    await expect.poll(() => reads.coherent).toBe(true)
    expect(await read('p:session:a')).toEqual({ value: 'one' })
    expect(fetchCount('p:session:a')).toBe(5)
  })

  it('serves the second read of a key under the prefix from its copy, once the feed follows', async () => {
    const { redis, read, fetchCount, follow } = setUp()
    await follow()
    redis.set('p:session:a', 'one')
    const first = await read('p:session:a')
    const second = await read('p:session:a')
    expect(second).toEqual({ value: 'one' })
    expect(second).toBe(first)
    expect(fetchCount('p:session:a')).toBe(1)
  })

  it('always fetches keys outside the prefix', async () => {
    const { redis, read, fetchCount, follow } = setUp()
    await follow()
    // 'p:sessionx' begins like the prefix without being under it.
    for (const key of ['p:user:a', 'p:sessionx', 'other:p:session:a']) {
      redis.set(key, 'v')
      expect(await read(key)).toEqual({ value: 'v' })
      expect(await read(key)).toEqual({ value: 'v' })
      expect(fetchCount(key), key).toBe(2)
    }
  })

  it('never keeps a null: neither an absent key nor one its parser refuses', async () => {
    const { redis, read, fetchCount, follow } = setUp()
    await follow()
    expect(await read('p:session:absent')).toBeNull()
    expect(await read('p:session:absent')).toBeNull()
    expect(fetchCount('p:session:absent')).toBe(2)

    redis.set('p:session:bad', 'garbage')
    expect(await read('p:session:bad')).toBeNull()
    expect(await read('p:session:bad')).toBeNull()
    expect(fetchCount('p:session:bad')).toBe(2)

    // Once the key exists, the next read sees it (and keeps it).
    redis.set('p:session:absent', 'now')
    expect(await read('p:session:absent')).toEqual({ value: 'now' })
    expect(await read('p:session:absent')).toEqual({ value: 'now' })
    expect(fetchCount('p:session:absent')).toBe(3)
  })

  it('drops the copy of a key a change message names; the next read fetches the new value', async () => {
    const { feed, redis, read, fetchCount, holdCopies } = setUp()
    await holdCopies({ 'p:session:a': 'one', 'p:session:b': 'two' })

    redis.set('p:session:a', 'changed')
    feed.invalidate(['p:session:a'])
    expect(await read('p:session:a')).toEqual({ value: 'changed' })
    expect(fetchCount('p:session:a')).toBe(2)
    // The other key's copy stays.
    expect(await read('p:session:b')).toEqual({ value: 'two' })
    expect(fetchCount('p:session:b')).toBe(1)

    redis.delete('p:session:b')
    feed.invalidate(['p:session:b'])
    expect(await read('p:session:b')).toBeNull()
    expect(fetchCount('p:session:b')).toBe(2)
  })

  it('applies a change message that arrives while a hit waits its turn, before serving it', async () => {
    const { feed, redis, read, fetchCount, holdCopies } = setUp()
    await holdCopies({ 'p:session:a': 'one' })

    const hit = read('p:session:a')
    // The message was read from the socket in the same turn as the request that asked.
    redis.set('p:session:a', 'changed')
    feed.invalidate(['p:session:a'])
    expect(await hit).toEqual({ value: 'changed' })
    expect(fetchCount('p:session:a')).toBe(2)
  })

  it('serves every hit of a turn together, each after the change messages of that turn', async () => {
    const { feed, redis, read, fetchCount, holdCopies } = setUp()
    await holdCopies({ 'p:session:a': 'one', 'p:session:b': 'two' })

    const hits = [read('p:session:a'), read('p:session:b'), read('p:session:a')]
    redis.set('p:session:a', 'changed')
    feed.invalidate(['p:session:a'])
    const late = read('p:session:b')
    expect(await Promise.all([...hits, late])).toEqual([
      { value: 'changed' },
      { value: 'two' },
      { value: 'changed' },
      { value: 'two' },
    ])
    expect(fetchCount('p:session:b')).toBe(1)
  })

  it('drops every copy on a null change message (FLUSHDB)', async () => {
    const { feed, redis, read, fetchCount, holdCopies } = setUp()
    await holdCopies({ 'p:session:a': 'one', 'p:session:b': 'two' })

    redis.clear()
    feed.invalidate(null)
    expect(await read('p:session:a')).toBeNull()
    expect(await read('p:session:b')).toBeNull()
    expect(fetchCount('p:session:a')).toBe(2)
    expect(fetchCount('p:session:b')).toBe(2)
  })

  it('does not keep an answer when the key changed while it was being fetched', async () => {
    const { feed, reads, parse, follow } = setUp()
    await follow()
    const answer = deferred<string | null>()
    const slowFetch = vi.fn(() => answer.promise)
    const inFlight = reads.read('p:session:a', slowFetch, parse)
    // Redis answered the GET with the value from before the change, and told of the change after.
    feed.invalidate(['p:session:a'])
    answer.resolve('old')
    expect(await inFlight).toEqual({ value: 'old' })

    const fresh = vi.fn(async () => 'new')
    expect(await reads.read('p:session:a', fresh, parse)).toEqual({ value: 'new' })
    expect(fresh).toHaveBeenCalledTimes(1)
    // The fresh answer, fetched after the change, is kept.
    const unused = vi.fn(async () => 'unused')
    expect(await reads.read('p:session:a', unused, parse)).toEqual({ value: 'new' })
    expect(unused).not.toHaveBeenCalled()
  })

  it('keeps an answer fetched while another key changed', async () => {
    const { feed, reads, parse, follow } = setUp()
    await follow()
    const answer = deferred<string | null>()
    const inFlight = reads.read('p:session:a', () => answer.promise, parse)
    feed.invalidate(['p:session:b'])
    answer.resolve('one')
    expect(await inFlight).toEqual({ value: 'one' })
    const unused = vi.fn(async () => 'unused')
    expect(await reads.read('p:session:a', unused, parse)).toEqual({ value: 'one' })
    expect(unused).not.toHaveBeenCalled()
  })

  it('does not keep an answer in flight across a null change message', async () => {
    const { feed, reads, parse, follow } = setUp()
    await follow()
    const answer = deferred<string | null>()
    const inFlight = reads.read('p:session:a', () => answer.promise, parse)
    feed.invalidate(null)
    answer.resolve('old')
    expect(await inFlight).toEqual({ value: 'old' })
    const fresh = vi.fn(async () => 'new')
    expect(await reads.read('p:session:a', fresh, parse)).toEqual({ value: 'new' })
    expect(fresh).toHaveBeenCalledTimes(1)
  })

  it('drops everything when the feed closes, and fetches every read until the next set-up completes', async () => {
    const { feed, reads, redis, read, fetchCount, follow, holdCopies } = setUp()
    await holdCopies({ 'p:session:a': 'one' })
    expect(fetchCount('p:session:a')).toBe(1)

    feed.emit('close')
    expect(reads.coherent).toBe(false)
    // Changed while no message could arrive: the copy must not be served.
    redis.set('p:session:a', 'changed')
    expect(await read('p:session:a')).toEqual({ value: 'changed' })
    expect(await read('p:session:a')).toEqual({ value: 'changed' })
    expect(fetchCount('p:session:a')).toBe(3)

    // The next connection has another id, and tracking is asked for again under it.
    feed.id = 8
    feed.sent.length = 0
    await follow()
    expect(feed.sent).toContainEqual(['CLIENT', 'TRACKING', 'ON', 'REDIRECT', '8', 'BCAST', 'PREFIX', prefix])
    expect(await read('p:session:a')).toEqual({ value: 'changed' })
    expect(await read('p:session:a')).toEqual({ value: 'changed' })
    expect(fetchCount('p:session:a')).toBe(4)
  })

  it('does not keep an answer fetched across a close, even once the feed follows again', async () => {
    const { feed, reads, parse, follow } = setUp()
    await follow()
    const answer = deferred<string | null>()
    const inFlight = reads.read('p:session:a', () => answer.promise, parse)
    feed.emit('close')
    await follow()
    answer.resolve('old')
    expect(await inFlight).toEqual({ value: 'old' })
    const fresh = vi.fn(async () => 'new')
    expect(await reads.read('p:session:a', fresh, parse)).toEqual({ value: 'new' })
    expect(fresh).toHaveBeenCalledTimes(1)
  })

  it('does not start keeping copies when a set-up completes after its connection closed', async () => {
    const { feed, reads, redis, read, fetchCount } = setUp()
    const subscribed = deferred<number>()
    feed.subscribeReply = subscribed.promise
    feed.emit('ready')
    await expect.poll(() => feed.sent.some(([command]) => command === 'SUBSCRIBE')).toBe(true)
    feed.emit('close')
    subscribed.resolve(1)
    // Let the stale set-up run to its end.
    await subscribed.promise
    await turn()
    expect(reads.coherent).toBe(false)

    redis.set('p:session:a', 'one')
    await read('p:session:a')
    await read('p:session:a')
    expect(fetchCount('p:session:a')).toBe(2)

    // A set-up that fails (its connection is dropping) leaves copies off too.
    const refused = deferred<number>()
    feed.subscribeReply = refused.promise
    feed.emit('ready')
    refused.reject(new Error('Connection is closed.'))
    await refused.promise.catch(() => {})
    await turn()
    expect(reads.coherent).toBe(false)
  })

  it('evicts the oldest copy beyond its size cap', async () => {
    const { redis, read, fetchCount, follow } = setUp(2)
    await follow()
    for (const key of ['p:session:a', 'p:session:b', 'p:session:c']) {
      redis.set(key, key)
      await read(key)
    }
    // b and c are kept; a, the oldest, went when c came.
    await read('p:session:c')
    await read('p:session:b')
    expect(fetchCount('p:session:b')).toBe(1)
    expect(fetchCount('p:session:c')).toBe(1)
    await read('p:session:a')
    expect(fetchCount('p:session:a')).toBe(2)
  })

  it('keeps copies while the feed answers its PINGs, and stops, dropping the feed, once it falls silent', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] })
    try {
      const { feed, reads, redis, read, fetchCount } = setUp()
      feed.emit('ready')
      for (let i = 0; i < 10 && !reads.coherent; i++) await turn()
      expect(reads.coherent).toBe(true)
      const key = `${prefix}a`
      redis.set(key, 'one')
      await read(key)

      await vi.advanceTimersByTimeAsync(10_000)
      expect(feed.sent.filter(([command]) => command === 'PING').length).toBeGreaterThanOrEqual(10)
      await read(key)
      expect(fetchCount(key)).toBe(1)

      // The connection dies without a word: no 'close', no message, PINGs go unanswered.
      feed.pingReply = new Promise(() => {})
      await vi.advanceTimersByTimeAsync(3_000)
      expect(reads.coherent).toBe(false)
      expect(feed.disconnected).toBe(1)
      redis.set(key, 'two')
      expect(await read(key)).toEqual({ value: 'two' })
      expect(fetchCount(key)).toBe(2)
    } finally {
      vi.useRealTimers()
    }
  })
})

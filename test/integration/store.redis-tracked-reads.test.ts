import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, type Mock, vi } from 'vitest'
import { createRedisStore, type RedisStore } from '../../gateway/store/redis-store.ts'
import { type RedisServer, startRedis } from '../support/redis.ts'

/**
 * RedisStore.getParsed keeps parsed sessions (keys under `<key_prefix>session:`) in the gateway,
 * coherent through Redis's own change messages (gateway/store/tracked-reads.ts). A change by any
 * client is seen by the very next read after that client's command resolved (DESIGN invariant 6):
 * nothing here waits for a message, except for the feed to come up.
 */
describe('RedisStore.getParsed with a real Redis', () => {
  let redis: RedisServer
  let raw: Redis
  let store: RedisStore
  let run = 0
  let prefix: string
  let parse: Mock<(text: string) => { text: string }>

  beforeAll(async () => {
    redis = await startRedis()
    raw = new Redis(redis.url)
  })
  afterAll(async () => {
    await raw.quit()
    await redis.stop()
  })
  beforeEach(() => {
    prefix = `tracked-${++run}:`
    store = createRedisStore(redis.url, prefix)
    parse = vi.fn((text: string) => ({ text }))
  })
  afterEach(async () => {
    await store.close()
  })

  /** The value `key` holds as `store` reads it, or null. */
  const read = async (key: string, from: RedisStore = store) =>
    (await from.getParsed(key, parse))?.text ?? null

  /** Waits (polling, never sleeping) until `from` keeps a copy: a second read costs no parse. */
  async function untilKept(key: string, from: RedisStore = store): Promise<void> {
    await expect
      .poll(
        async () => {
          await from.getParsed(key, parse)
          const before = parse.mock.calls.length
          await from.getParsed(key, parse)
          return parse.mock.calls.length - before
        },
        { timeout: 5_000, interval: 20 },
      )
      .toBe(0)
  }

  it('keeps the parsed session once the feed is up: reads cost no parse and share one copy', async () => {
    await raw.set(`${prefix}session:a`, 'one')
    await untilKept('session:a')
    const calls = parse.mock.calls.length
    const first = await store.getParsed('session:a', parse)
    for (let i = 0; i < 20; i++) expect(await store.getParsed('session:a', parse)).toBe(first)
    expect(first).toEqual({ text: 'one' })
    expect(parse.mock.calls.length).toBe(calls)
  })

  it('keeps nothing outside the session prefix: a change that tells no one is still seen', async () => {
    await raw.set(`${prefix}session:a`, 'one')
    await untilKept('session:a')
    // "sessions:verified" begins like "session:" without being under it; neither key is tracked,
    // so a copy of either would never be dropped.
    for (const key of ['user:alice', 'sessions:verified']) {
      await raw.set(prefix + key, 'before')
      expect(await read(key)).toBe('before')
      const calls = parse.mock.calls.length
      expect(await read(key)).toBe('before')
      expect(parse.mock.calls.length, key).toBe(calls + 1)
      await raw.set(prefix + key, 'after')
      expect(await read(key), key).toBe('after')
    }
  })

  it("sees another client's SET or DEL of a session at the very next read after it resolved", async () => {
    const key = 'session:a'
    await raw.set(prefix + key, 'start')
    await untilKept(key)
    const calls = parse.mock.calls.length
    for (let i = 0; i < 100; i++) {
      await raw.set(prefix + key, `v${i}`)
      expect(await read(key)).toBe(`v${i}`)
      // Kept again: the read after a change is the only one that goes to Redis.
      expect(await read(key)).toBe(`v${i}`)
    }
    expect(parse.mock.calls.length - calls).toBe(100)

    await raw.del(prefix + key)
    expect(await read(key)).toBeNull()
    await raw.set(prefix + key, 'back')
    expect(await read(key)).toBe('back')
  })

  it("sees another gateway's store end a session (delete, take, set) at the very next read", async () => {
    const other = createRedisStore(redis.url, prefix)
    try {
      for (const [i, change] of [
        async () => other.delete('session:a'),
        async () => void (await other.take('session:a')),
        async () => other.set('session:a', 'replaced', 60_000),
      ].entries()) {
        await raw.set(`${prefix}session:a`, `live ${i}`)
        await untilKept('session:a')
        await change()
        expect(await read('session:a')).toBe(i === 2 ? 'replaced' : null)
      }
    } finally {
      await other.close()
    }
  })

  it("drops the copy when the store's own client changes the key (the sliding refresh)", async () => {
    await store.set('session:a', 'one')
    await untilKept('session:a')
    await store.set('session:a', 'two', 60_000)
    expect(await read('session:a')).toBe('two')
    await store.delete('session:a')
    expect(await read('session:a')).toBeNull()
  })

  it('drops every copy on FLUSHDB, once its message arrives', async () => {
    await raw.set(`${prefix}session:a`, 'one')
    await raw.set(`${prefix}session:b`, 'two')
    await untilKept('session:a')
    await untilKept('session:b')
    await raw.flushdb()
    // Redis queues the flush message while FLUSHDB runs and may write its answer first (unlike a
    // key's change, broadcast before the answer): the copies go when the message is read.
    await expect.poll(() => read('session:a'), { timeout: 5_000, interval: 5 }).toBeNull()
    await expect.poll(() => read('session:b'), { timeout: 5_000, interval: 5 }).toBeNull()
  })

  it('never serves the old copy of a key changed while the feed is down, and keeps copies again after', async () => {
    const key = 'session:a'
    for (let round = 0; round < 20; round++) {
      await raw.set(prefix + key, `kept ${round}`)
      await untilKept(key)
      expect(await raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub')).toBeGreaterThanOrEqual(1)
      await raw.set(prefix + key, `changed ${round}`)
      expect(await read(key)).toBe(`changed ${round}`)
    }
    // The feed came back with tracking on under its new id: changes are told again.
    await untilKept(key)
    await raw.set(prefix + key, 'after')
    expect(await read(key)).toBe('after')
  })

  /**
   * The feed's end reaches the gateway as a FIN before the change's reply does, but ioredis reports it
   * ('close') only once Node has shut the socket down and closed its handle, turns of the event loop
   * later; a hit served in between, after one setImmediate, must not be the old copy.
   */
  it('never serves the old copy when the change comes right behind the kill (one MULTI)', async () => {
    const key = 'session:a'
    const served: string[] = []
    for (let round = 0; round < 20; round++) {
      await raw.set(prefix + key, `kept ${round}`)
      await untilKept(key)
      await raw
        .multi()
        .call('CLIENT', 'KILL', 'TYPE', 'pubsub')
        .set(prefix + key, `changed ${round}`)
        .exec()
      served.push(String(await read(key)))
    }
    expect(served).toEqual(Array.from({ length: 20 }, (_, round) => `changed ${round}`))
  })
})

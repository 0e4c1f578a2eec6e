import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createRedisStore } from '../../gateway/store/redis-store.ts'
import { type Store, StoreUnavailableError } from '../../gateway/store/store.ts'
import { describeStoreContract } from '../contract/store.contract.ts'
import { FixedClock } from '../support/clock.ts'
import { type RedisServer, startRedis } from '../support/redis.ts'

describe('RedisStore', () => {
  let redis: RedisServer
  let stores = 0

  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis.stop()
  })

  // A fresh prefix per test keeps tests apart on the one server without flushing it.
  describeStoreContract('Redis', async () => {
    const store = createRedisStore(redis.url, `contract-${++stores}:`)
    return { store, advance: (ms) => sleep(ms), cleanup: () => store.close() }
  })

  it("judges set members' expiry by the gateway's clock, not the server's", async () => {
    const clock = new FixedClock()
    const store = createRedisStore(redis.url, 'clocked:', clock)
    try {
      await store.addMember('devices', 'brief', 1_000)
      await store.addMember('devices', 'lasting', 60_000)
      clock.advance(1_001)
      expect(await store.members('devices')).toEqual(['lasting'])
    } finally {
      await store.close()
    }
  })

  it('keeps stores with different prefixes apart', async () => {
    const a = createRedisStore(redis.url, 'tenant-a:')
    const b = createRedisStore(redis.url, 'tenant-b:')
    const raw = new Redis(redis.url)
    try {
      await a.set('shared', 'from a')
      expect(await b.get('shared')).toBeNull()
      expect(await b.setIfAbsent('shared', 'from b')).toBe(true)
      expect(await a.get('shared')).toBe('from a')
      expect(await raw.get('tenant-a:shared')).toBe('from a')
      expect(await raw.get('tenant-b:shared')).toBe('from b')

      expect(await a.increment('count', 10_000)).toBe(1)
      expect(await b.increment('count', 10_000)).toBe(1)
      expect(await b.take('shared')).toBe('from b')
      expect(await a.get('shared')).toBe('from a')
      await a.delete('count')
      expect(await b.ttl('count')).toBeGreaterThan(0)
    } finally {
      await Promise.all([a.close(), b.close(), raw.quit()])
    }
  })

  it('serves commands issued before its first connection is up', async () => {
    const store = createRedisStore(redis.url, 'early:')
    try {
      await expect(store.set('k', 'v')).resolves.toBeUndefined()
      expect(await store.get('k')).toBe('v')
    } finally {
      await store.close()
    }
  })

  it('rejects a URL that is not redis:// or rediss://', () => {
    for (const url of ['', '127.0.0.1:6379', 'http://127.0.0.1:6379']) {
      expect(() => createRedisStore(url, 'p:'), url).toThrow(TypeError)
    }
  })
})

describe('RedisStore when Redis goes away', () => {
  let redis: RedisServer
  let store: Store

  beforeAll(async () => {
    redis = await startRedis()
    store = createRedisStore(redis.url, 'outage:')
  })
  afterAll(async () => {
    await store.close()
    await redis.stop()
  })

  const everyMethod = (): Record<string, () => Promise<unknown>> => ({
    get: () => store.get('k'),
    set: () => store.set('k', 'v'),
    setIfAbsent: () => store.setIfAbsent('k', 'v', 1_000),
    take: () => store.take('k'),
    delete: () => store.delete('k'),
    increment: () => store.increment('k', 1_000),
    ttl: () => store.ttl('k'),
    ping: () => store.ping(),
    addMember: () => store.addMember('set', 'm', 1_000),
    removeMember: () => store.removeMember('set', 'm'),
    members: () => store.members('set'),
    pushCapped: () => store.pushCapped('list', 'v', 10),
    recent: () => store.recent('list'),
  })

  it('rejects every method with StoreUnavailableError within seconds, then recovers', async () => {
    await store.set('k', 'before')
    await redis.stop()

    for (const [method, call] of Object.entries(everyMethod())) {
      const started = performance.now()
      await expect(call(), method).rejects.toBeInstanceOf(StoreUnavailableError)
      expect(performance.now() - started, method).toBeLessThan(3_000)
    }

    await redis.restart()
    await vi.waitFor(() => store.ping(), { timeout: 5_000, interval: 50 })
    // The restarted server is empty: nothing survives an outage that the gateway could trust.
    expect(await store.get('k')).toBeNull()
    await store.set('k', 'after')
    expect(await store.take('k')).toBe('after')
  })

  it('fails fast when Redis is down from the start', async () => {
    await redis.stop()
    const early = createRedisStore(redis.url, 'outage:')
    try {
      const started = performance.now()
      await expect(early.ping()).rejects.toBeInstanceOf(StoreUnavailableError)
      await expect(early.get('k')).rejects.toBeInstanceOf(StoreUnavailableError)
      expect(performance.now() - started).toBeLessThan(3_000)
    } finally {
      await early.close()
      await redis.restart()
    }
  })
})

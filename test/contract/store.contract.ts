import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Store } from '../../gateway/store/store.ts'

export type StoreHarness = {
  store: Store
  /** Lets `ms` of the store's time pass: a fake clock jumps, a real-time store is waited on. */
  advance(ms: number): Promise<void>
  cleanup(): Promise<void>
}

// Long enough that a slow machine cannot expire it mid-test, short enough to wait out for Redis.
const LONG_TTL_MS = 2_000
const SHORT_TTL_MS = 50

/**
 * The behaviour every Store must share, run once per backend. A real-time backend may expire a key
 * a little after its ttl, so expiry is asserted by polling with a deadline, never by sleeping.
 */
export function describeStoreContract(name: string, makeStore: () => Promise<StoreHarness>): void {
  describe(`${name} store contract`, () => {
    let harness: StoreHarness
    let store: Store

    beforeEach(async () => {
      harness = await makeStore()
      store = harness.store
    })
    afterEach(async () => {
      await harness.cleanup()
    })

    const eventuallyNull = (read: () => Promise<unknown>) =>
      vi.waitFor(async () => expect(await read()).toBeNull(), { timeout: 2_000, interval: 5 })

    it('reads back what it wrote and forgets what it deleted', async () => {
      expect(await store.get('k')).toBeNull()
      await store.set('k', 'one')
      expect(await store.get('k')).toBe('one')
      await store.set('k', 'two')
      expect(await store.get('k')).toBe('two')
      await store.delete('k')
      expect(await store.get('k')).toBeNull()
      await expect(store.delete('never-set')).resolves.toBeUndefined()
    })

    it('keeps the empty string as a value, distinct from absent', async () => {
      await store.set('empty', '')
      expect(await store.get('empty')).toBe('')
      expect(await store.take('empty')).toBe('')
      expect(await store.get('empty')).toBeNull()
    })

    it('keeps a value set without ttl, and a plain set removes an earlier expiry', async () => {
      await store.set('plain', 'v')
      await store.set('was-expiring', 'v', SHORT_TTL_MS)
      await store.set('was-expiring', 'w')
      await harness.advance(SHORT_TTL_MS * 2)
      expect(await store.get('plain')).toBe('v')
      expect(await store.get('was-expiring')).toBe('w')
      expect(await store.ttl('was-expiring')).toBeNull()
    })

    it('forgets a value once its ttl has passed', async () => {
      await store.set('lasting', 'v', LONG_TTL_MS)
      await store.set('brief', 'v', SHORT_TTL_MS)
      expect(await store.get('brief')).toBe('v')
      await harness.advance(SHORT_TTL_MS)
      await eventuallyNull(() => store.get('brief'))
      expect(await store.get('lasting')).toBe('v')
    })

    it('writes with setIfAbsent only when the key is absent or expired', async () => {
      expect(await store.setIfAbsent('once', 'first')).toBe(true)
      expect(await store.setIfAbsent('once', 'second')).toBe(false)
      expect(await store.get('once')).toBe('first')
      expect(await store.ttl('once')).toBeNull()
      await store.delete('once')
      expect(await store.setIfAbsent('once', 'third')).toBe(true)

      expect(await store.setIfAbsent('lease', 'a', SHORT_TTL_MS)).toBe(true)
      expect(await store.setIfAbsent('lease', 'b', SHORT_TTL_MS)).toBe(false)
      expect(await store.get('lease')).toBe('a')
      await harness.advance(SHORT_TTL_MS)
      await eventuallyNull(() => store.get('lease'))
      expect(await store.setIfAbsent('lease', 'c', LONG_TTL_MS)).toBe(true)
      expect(await store.get('lease')).toBe('c')
    })

    it('hands a value to take exactly once', async () => {
      await store.set('secret', 'v', LONG_TTL_MS)
      expect(await store.take('secret')).toBe('v')
      expect(await store.take('secret')).toBeNull()
      expect(await store.get('secret')).toBeNull()
      expect(await store.take('never-set')).toBeNull()
    })

    it('does not hand an expired value to take', async () => {
      await store.set('stale', 'v', SHORT_TTL_MS)
      await harness.advance(SHORT_TTL_MS)
      await eventuallyNull(() => store.get('stale'))
      expect(await store.take('stale')).toBeNull()
    })

    it('gives the value to exactly one of 20 concurrent takes', async () => {
      await store.set('challenge', 'v', LONG_TTL_MS)
      const results = await Promise.all(Array.from({ length: 20 }, () => store.take('challenge')))
      expect(results.filter((result) => result !== null)).toEqual(['v'])
    })

    it('counts up from 1 and reads back as a decimal string', async () => {
      expect(await store.increment('count', LONG_TTL_MS)).toBe(1)
      expect(await store.increment('count', LONG_TTL_MS)).toBe(2)
      expect(await store.increment('count', LONG_TTL_MS)).toBe(3)
      expect(await store.increment('other', LONG_TTL_MS)).toBe(1)
      expect(await store.get('count')).toBe('3')
    })

    it('keeps the expiry set by the first increment, then starts again at 1', async () => {
      const window = 500
      expect(await store.increment('window', window)).toBe(1)
      await harness.advance(100)
      expect(await store.increment('window', window)).toBe(2)
      // An extended window would report close to 500 again.
      const remaining = await store.ttl('window')
      expect(remaining).toBeGreaterThan(0)
      expect(remaining).toBeLessThanOrEqual(window - 100)
      await harness.advance(window - 100)
      await eventuallyNull(() => store.get('window'))
      expect(await store.increment('window', window)).toBe(1)
    })

    it('gives 50 concurrent increments each a distinct count from 1 to 50', async () => {
      const counts = await Promise.all(
        Array.from({ length: 50 }, () => store.increment('burst', LONG_TTL_MS)),
      )
      expect(counts.toSorted((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    })

    it('reports the remaining ttl, and null for absent or persistent keys', async () => {
      expect(await store.ttl('missing')).toBeNull()
      await store.set('persistent', 'v')
      expect(await store.ttl('persistent')).toBeNull()
      await store.set('expiring', 'v', LONG_TTL_MS)
      await store.setIfAbsent('leased', 'v', LONG_TTL_MS)
      await store.increment('counted', LONG_TTL_MS)
      for (const key of ['expiring', 'leased', 'counted']) {
        const remaining = await store.ttl(key)
        expect(remaining, key).toBeGreaterThan(0)
        expect(remaining, key).toBeLessThanOrEqual(LONG_TTL_MS)
      }
      await store.set('brief', 'v', SHORT_TTL_MS)
      await harness.advance(SHORT_TTL_MS)
      await eventuallyNull(() => store.ttl('brief'))
    })

    it('rejects a ttl that is not a positive integer, and writes nothing', async () => {
      for (const ttl of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(store.set('bad', 'v', ttl), `set ${ttl}`).rejects.toBeInstanceOf(RangeError)
        await expect(store.setIfAbsent('bad', 'v', ttl), `setIfAbsent ${ttl}`).rejects.toBeInstanceOf(
          RangeError,
        )
        await expect(store.increment('bad', ttl), `increment ${ttl}`).rejects.toBeInstanceOf(RangeError)
      }
      expect(await store.get('bad')).toBeNull()
    })

    it('keeps keys with unusual characters apart', async () => {
      const keys = [
        'session:alice@example.com',
        'session:alice@example.com:',
        'ключ 🔑',
        'with  two spaces',
        ' leading space',
        'glob*?[chars]',
        'line\nbreak',
        'quote\'"back\\slash',
        '%2f..%00',
      ]
      for (const [i, key] of keys.entries()) await store.set(key, `value ${i}`)
      for (const [i, key] of keys.entries()) expect(await store.get(key), key).toBe(`value ${i}`)
      await store.delete('ключ 🔑')
      expect(await store.get('ключ 🔑')).toBeNull()
      expect(await store.get('session:alice@example.com')).toBe('value 0')
    })

    it('stores values up to 64 KiB unchanged', async () => {
      const ascii = 'x'.repeat(64 * 1024)
      // 21845 three-byte characters plus one ASCII byte: exactly 64 KiB of UTF-8.
      const unicode = `${'€'.repeat(21_845)}x`
      expect(Buffer.byteLength(unicode)).toBe(64 * 1024)
      await store.set('ascii', ascii)
      expect(await store.get('ascii')).toBe(ascii)
      expect(await store.setIfAbsent('unicode', unicode, LONG_TTL_MS)).toBe(true)
      expect(await store.take('unicode')).toBe(unicode)
    })

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined()
    })
  })
}

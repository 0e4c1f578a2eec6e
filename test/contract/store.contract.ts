import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Store } from '../../gateway/store/store.ts'
import type { MovableStore, StoreEntry } from '../../gateway/store/store-entry.ts'

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
    const eventuallyEqual = (read: () => Promise<unknown>, expected: unknown) =>
      vi.waitFor(async () => expect(await read()).toEqual(expected), { timeout: 2_000, interval: 5 })

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

    it('reads a value parsed, and after every write and delete of it the new one (sessions are read so)', async () => {
      const parse = (text: string) => (text === 'unreadable' ? null : { text })
      const key = 'session:contract'
      expect(await store.getParsed(key, parse)).toBeNull()
      await store.set(key, 'one')
      expect(await store.getParsed(key, parse)).toEqual({ text: 'one' })
      expect(await store.getParsed(key, parse)).toEqual({ text: 'one' })
      await store.set(key, 'two')
      expect(await store.getParsed(key, parse)).toEqual({ text: 'two' })
      await store.set(key, 'unreadable')
      expect(await store.getParsed(key, parse)).toBeNull()
      await store.delete(key)
      expect(await store.getParsed(key, parse)).toBeNull()
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
        await expect(store.addMember('bad', 'm', ttl), `addMember ${ttl}`).rejects.toBeInstanceOf(RangeError)
      }
      expect(await store.get('bad')).toBeNull()
      expect(await store.members('bad')).toEqual([])
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

    it('lists the members of a set in ascending code-unit order, each once', async () => {
      // U+1F511 sorts before U+FFFD by code units (a surrogate pair) but after it by UTF-8 bytes.
      for (const member of ['bob', '\uFFFD', 'alice', '🔑', 'Zed', '']) await store.addMember('users', member)
      await store.addMember('users', 'bob')
      await store.addMember('users', 'alice', LONG_TTL_MS)
      expect(await store.members('users')).toEqual(['', 'Zed', 'alice', 'bob', '🔑', '\uFFFD'])
    })

    it('lists no members for a missing set', async () => {
      expect(await store.members('nobody')).toEqual([])
    })

    it('drops a member on removeMember and leaves the rest', async () => {
      await store.addMember('sessions', 'a')
      await store.addMember('sessions', 'b', LONG_TTL_MS)
      await store.removeMember('sessions', 'a')
      expect(await store.members('sessions')).toEqual(['b'])
      await store.removeMember('sessions', 'b')
      expect(await store.members('sessions')).toEqual([])
      await expect(store.removeMember('sessions', 'never-added')).resolves.toBeUndefined()
    })

    it('forgets a member once its ttl has passed, keeping the others', async () => {
      await store.addMember('devices', 'brief', SHORT_TTL_MS)
      await store.addMember('devices', 'lasting', LONG_TTL_MS)
      await store.addMember('devices', 'persistent')
      expect(await store.members('devices')).toEqual(['brief', 'lasting', 'persistent'])
      await harness.advance(SHORT_TTL_MS)
      await eventuallyEqual(() => store.members('devices'), ['lasting', 'persistent'])
      // The set itself outlives its expired members.
      await store.addMember('devices', 'brief', SHORT_TTL_MS)
      expect(await store.members('devices')).toEqual(['brief', 'lasting', 'persistent'])
    })

    it("replaces a member's expiry when it is re-added", async () => {
      await store.addMember('devices', 'extended', SHORT_TTL_MS)
      await store.addMember('devices', 'extended', LONG_TTL_MS)
      await store.addMember('devices', 'made-permanent', SHORT_TTL_MS)
      await store.addMember('devices', 'made-permanent')
      await store.addMember('devices', 'shortened', LONG_TTL_MS)
      await store.addMember('devices', 'shortened', SHORT_TTL_MS)
      await harness.advance(SHORT_TTL_MS)
      await eventuallyEqual(() => store.members('devices'), ['extended', 'made-permanent'])
    })

    it('keeps the members of different sets apart', async () => {
      await store.addMember('sessions:alice', 's1')
      await store.addMember('sessions:bob', 's1', SHORT_TTL_MS)
      await store.addMember('sessions:bob', 's2')
      await store.removeMember('sessions:alice', 's1')
      expect(await store.members('sessions:alice')).toEqual([])
      await harness.advance(SHORT_TTL_MS)
      await eventuallyEqual(() => store.members('sessions:bob'), ['s2'])
      await store.delete('sessions:bob')
      await store.addMember('sessions:alice', 's3')
      expect(await store.members('sessions:bob')).toEqual([])
      expect(await store.members('sessions:alice')).toEqual(['s3'])
    })

    it('removes a whole set on delete', async () => {
      await store.addMember('index', 'a')
      await store.addMember('index', 'b', LONG_TTL_MS)
      await store.delete('index')
      expect(await store.members('index')).toEqual([])
      await store.addMember('index', 'c')
      expect(await store.members('index')).toEqual(['c'])
    })

    it('lists pushed values newest first', async () => {
      for (const value of ['first', '', 'ключ 🔑', 'last']) await store.pushCapped('history', value, 10)
      expect(await store.recent('history')).toEqual(['last', 'ключ 🔑', '', 'first'])
    })

    it('keeps only the newest maxLength values', async () => {
      for (let i = 1; i <= 5; i++) await store.pushCapped('history', `login ${i}`, 3)
      expect(await store.recent('history')).toEqual(['login 5', 'login 4', 'login 3'])
      await store.pushCapped('history', 'login 6', 1)
      expect(await store.recent('history')).toEqual(['login 6'])
      await store.pushCapped('history', 'login 7', 3)
      expect(await store.recent('history')).toEqual(['login 7', 'login 6'])
    })

    it('keeps at most maxLength values under 20 concurrent pushes', async () => {
      const values = Array.from({ length: 20 }, (_, i) => `login ${i}`)
      await Promise.all(values.map((value) => store.pushCapped('burst', value, 5)))
      const kept = await store.recent('burst')
      expect(kept).toHaveLength(5)
      expect(new Set(kept).size).toBe(5)
      for (const value of kept) expect(values).toContain(value)
    })

    it('lists no values for a missing list', async () => {
      expect(await store.recent('nothing-pushed')).toEqual([])
    })

    it('removes a whole list on delete', async () => {
      await store.pushCapped('history', 'a', 10)
      await store.pushCapped('history', 'b', 10)
      await store.delete('history')
      expect(await store.recent('history')).toEqual([])
      await store.pushCapped('history', 'c', 10)
      expect(await store.recent('history')).toEqual(['c'])
    })

    it('rejects a maxLength that is not a positive integer, and changes nothing', async () => {
      await store.pushCapped('history', 'kept', 5)
      for (const maxLength of [0, -1, 1.5, Number.NaN]) {
        await expect(store.pushCapped('history', 'bad', maxLength), `${maxLength}`).rejects.toBeInstanceOf(
          TypeError,
        )
        await expect(store.pushCapped('empty', 'bad', maxLength), `${maxLength}`).rejects.toBeInstanceOf(
          TypeError,
        )
      }
      expect(await store.recent('history')).toEqual(['kept'])
      expect(await store.recent('empty')).toEqual([])
    })

    it('leaves nothing of any kind behind after delete, whatever the key held', async () => {
      const write: Record<string, () => Promise<unknown>> = {
        value: () => store.set('reused', 'v'),
        member: () => store.addMember('reused', 'm'),
        list: () => store.pushCapped('reused', 'v', 5),
      }
      for (const [kind, writeKind] of Object.entries(write)) {
        await writeKind()
        await store.delete('reused')
        expect(await store.get('reused'), kind).toBeNull()
        expect(await store.members('reused'), kind).toEqual([])
        expect(await store.recent('reused'), kind).toEqual([])
      }
    })

    // Moving between backends (issue 17): what one lists, the other restores alike.
    const movable = (): MovableStore => {
      if (!('entries' in store && 'restore' in store))
        throw new TypeError(`${name} store cannot list entries`)
      return store as MovableStore
    }
    const listed = async (): Promise<StoreEntry[]> => {
      const entries: StoreEntry[] = []
      for await (const entry of movable().entries()) entries.push(entry)
      return entries.sort((a, b) => (a.key < b.key ? -1 : 1))
    }
    // A real-time backend has spent a little of a lifetime by the time it is read back.
    const aboutLong = expect.toSatisfy((ms: number) => ms > LONG_TTL_MS - 1_000 && ms <= LONG_TTL_MS)

    it('lists every live key once, with what it holds and its remaining lifetime', async () => {
      await store.set('plain', 'sealed:v1')
      await store.set('lasting', 'l', LONG_TTL_MS)
      await store.set('brief', 'b', SHORT_TTL_MS)
      await store.increment('count', LONG_TTL_MS)
      await store.addMember('index', 'kept')
      await store.addMember('index', 'lease', LONG_TTL_MS)
      await store.addMember('index', 'brief', SHORT_TTL_MS)
      await store.addMember('all-brief', 'brief', SHORT_TTL_MS)
      await store.pushCapped('history', 'older', 5)
      await store.pushCapped('history', 'newer', 5)
      await harness.advance(SHORT_TTL_MS)
      await eventuallyNull(() => store.get('brief'))
      await eventuallyEqual(() => store.members('all-brief'), [])

      expect(await listed()).toEqual([
        { key: 'count', kind: 'value', value: '1', ttlMs: aboutLong },
        { key: 'history', kind: 'list', values: ['newer', 'older'] },
        {
          key: 'index',
          kind: 'members',
          members: [
            { member: 'kept', ttlMs: null },
            { member: 'lease', ttlMs: aboutLong },
          ],
        },
        { key: 'lasting', kind: 'value', value: 'l', ttlMs: aboutLong },
        { key: 'plain', kind: 'value', value: 'sealed:v1', ttlMs: null },
      ])
    })

    it('lists nothing for an empty store', async () => {
      expect(await listed()).toEqual([])
    })

    it('restores an entry over whatever its key held, lifetimes counted from now', async () => {
      await store.set('plain', 'old', SHORT_TTL_MS)
      await store.pushCapped('history', 'stale', 5)
      await store.addMember('index', 'stale')
      const entries: StoreEntry[] = [
        { key: 'plain', kind: 'value', value: 'new', ttlMs: null },
        { key: 'lasting', kind: 'value', value: 'l', ttlMs: LONG_TTL_MS },
        { key: 'count', kind: 'value', value: '3', ttlMs: LONG_TTL_MS },
        { key: 'history', kind: 'list', values: ['newest', 'middle', 'oldest'] },
        {
          key: 'index',
          kind: 'members',
          members: [
            { member: 'kept', ttlMs: null },
            { member: 'brief', ttlMs: SHORT_TTL_MS },
          ],
        },
      ]
      for (const entry of entries) await movable().restore(entry)

      expect(await store.get('plain')).toBe('new')
      expect(await store.ttl('plain')).toBeNull()
      expect(await store.get('lasting')).toBe('l')
      expect(await store.ttl('lasting')).toEqual(aboutLong)
      expect(await store.increment('count', LONG_TTL_MS)).toBe(4)
      expect(await store.recent('history')).toEqual(['newest', 'middle', 'oldest'])
      await store.pushCapped('history', 'next', 3)
      expect(await store.recent('history')).toEqual(['next', 'newest', 'middle'])
      expect(await store.members('index')).toEqual(['brief', 'kept'])
      await harness.advance(SHORT_TTL_MS)
      await eventuallyEqual(() => store.members('index'), ['kept'])
    })

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined()
    })
  })
}

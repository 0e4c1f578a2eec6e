import { beforeEach, describe, expect, it } from 'vitest'
import { Sessions } from '../../../gateway/session/sessions.ts'
import { isWellFormedToken, tokenId } from '../../../gateway/session/token.ts'
import { keys } from '../../../gateway/store/keys.ts'
import type { SqliteStore } from '../../../gateway/store/sqlite-store.ts'
import { FixedClock } from '../../support/clock.ts'
import { tempSqliteStore } from '../../support/temp-sqlite-store.ts'

const minute = 60_000
const timeouts = { idle: 30 * minute, absolute: 12 * 60 * minute, pending: 5 * minute }

let clock: FixedClock
let store: SqliteStore
let sessions: Sessions

beforeEach(() => {
  clock = new FixedClock()
  store = tempSqliteStore(clock).store
  sessions = new Sessions(store, clock, timeouts)
})

/** Uses the session every `everyMs` until `untilMs` after now; the result says whether it is still alive. */
async function keepUsing(token: string, everyMs: number, untilMs: number): Promise<boolean> {
  for (let used = everyMs; used <= untilMs; used += everyMs) {
    clock.advance(everyMs)
    if ((await sessions.load(token)) === null) return false
  }
  return true
}

describe('a new session', () => {
  it('is a well-formed token, stored under its hash only', async () => {
    const token = await sessions.create({ user: 'alice', level: 'two_factor' })
    expect(isWellFormedToken(token)).toBe(true)
    const stored = await store.get(keys.session(tokenId(token)))
    expect(stored).toMatch(/"user":"alice"/)
    expect(stored).not.toContain(token)
    expect(await store.get(keys.session(token))).toBeNull()
  })

  it('loads with its fields, created and seen now', async () => {
    const token = await sessions.create({ user: 'alice', level: 'first_factor', returnTo: '/home' })
    expect(await sessions.load(token)).toEqual({
      user: 'alice',
      level: 'first_factor',
      returnTo: '/home',
      createdAt: clock.now(),
      seenAt: clock.now(),
    })
  })

  it.each([
    ['a truncated record', '{"user":"alice"'],
    ['a record of the wrong shape', '{"user":"alice","level":"admin","createdAt":0,"seenAt":0}'],
  ])('is not found for %s', async (_case, record) => {
    const token = 'B'.repeat(43)
    await store.set(keys.session(tokenId(token)), record)
    expect(await sessions.load(token)).toBeNull()
  })

  it('is not found for an unknown token', async () => {
    expect(await sessions.load('A'.repeat(43))).toBeNull()
  })
})

describe('how long a session lives', () => {
  it.each([
    ['unused, just before the pending TTL', 'first_factor', timeouts.pending - 1, true],
    ['unused, at the pending TTL', 'first_factor', timeouts.pending, false],
    ['unused, just before the idle timeout', 'two_factor', timeouts.idle - 1, true],
    ['unused, at the idle timeout', 'two_factor', timeouts.idle, false],
  ] as const)('%s (%s, after %i ms): alive %s', async (_case, level, afterMs, alive) => {
    const token = await sessions.create({ user: 'alice', level })
    clock.advance(afterMs)
    expect((await sessions.load(token)) !== null).toBe(alive)
  })

  it('a pending session is not extended by use', async () => {
    const token = await sessions.create({ user: 'alice', level: 'first_factor' })
    expect(await keepUsing(token, minute, timeouts.pending - 1)).toBe(true)
    clock.advance(minute)
    expect(await sessions.load(token)).toBeNull()
  })

  it('a verified session in use outlives the idle timeout', async () => {
    const token = await sessions.create({ user: 'alice', level: 'two_factor' })
    expect(await keepUsing(token, 20 * minute, 3 * timeouts.idle)).toBe(true)
  })

  it('a verified session in use ends at the absolute lifetime', async () => {
    const token = await sessions.create({ user: 'alice', level: 'two_factor' })
    expect(await keepUsing(token, 20 * minute, timeouts.absolute - 20 * minute)).toBe(true)
    clock.advance(20 * minute)
    expect(await sessions.load(token)).toBeNull()
  })

  it.each([
    ['a use within a minute does not move the idle expiry', minute - 1, timeouts.idle, false],
    ['a use after a minute moves it', minute, timeouts.idle, true],
    ['… by the time since the last refresh', minute, timeouts.idle + minute, false],
  ])('%s: used at %i ms, alive at %i ms: %s', async (_case, usedAtMs, checkedAtMs, alive) => {
    const token = await sessions.create({ user: 'alice', level: 'two_factor' })
    clock.advance(usedAtMs)
    expect(await sessions.load(token)).not.toBeNull()
    clock.advance(checkedAtMs - usedAtMs)
    expect((await sessions.load(token)) !== null).toBe(alive)
  })
})

describe('rotation and ending', () => {
  it('rotating at verification issues a new token and ends the old one', async () => {
    const pending = await sessions.create({ user: 'alice', level: 'first_factor' })
    const verified = await sessions.rotate(pending, { user: 'alice', level: 'two_factor' })
    expect(verified).not.toBe(pending)
    expect(await sessions.load(pending)).toBeNull()
    expect((await sessions.load(verified))?.level).toBe('two_factor')
    expect(await sessions.countVerified()).toBe(1)
  })

  it('destroy ends one session and its verified count', async () => {
    const token = await sessions.create({ user: 'alice', level: 'two_factor' })
    await sessions.destroy(token)
    expect(await sessions.load(token)).toBeNull()
    expect(await sessions.countVerified()).toBe(0)
  })

  it("destroyAllOf ends every session of the user and no one else's", async () => {
    const alice = [
      await sessions.create({ user: 'alice', level: 'two_factor' }),
      await sessions.create({ user: 'alice', level: 'first_factor' }),
    ]
    const bob = await sessions.create({ user: 'bob', level: 'two_factor' })
    expect(await sessions.destroyAllOf('alice')).toBe(2)
    for (const token of alice) expect(await sessions.load(token)).toBeNull()
    expect((await sessions.load(bob))?.user).toBe('bob')
    expect(await sessions.countVerified()).toBe(1)
  })

  it('countVerified counts live verified sessions only', async () => {
    await sessions.create({ user: 'alice', level: 'two_factor' })
    await sessions.create({ user: 'bob', level: 'first_factor' })
    expect(await sessions.countVerified()).toBe(1)
    clock.advance(timeouts.idle)
    expect(await sessions.countVerified()).toBe(0)
  })
})

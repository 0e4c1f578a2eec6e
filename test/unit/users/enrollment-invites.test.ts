import { beforeEach, describe, expect, it } from 'vitest'
import type { SqliteStore } from '../../../gateway/store/sqlite-store.ts'
import { EnrollmentInvites } from '../../../gateway/users/enrollment-invites.ts'
import { FixedClock } from '../../support/clock.ts'
import { tempSqliteStore } from '../../support/temp-sqlite-store.ts'

const masterKey = 'k'.repeat(40)
const ttl = 7 * 86_400_000
const inviteKey = (user: string) => `user:${encodeURIComponent(user)}:enrollment-invite`
let clock: FixedClock
let store: SqliteStore
let invites: EnrollmentInvites

beforeEach(() => {
  clock = new FixedClock()
  store = tempSqliteStore(clock).store
  invites = new EnrollmentInvites(store, clock, masterKey, ttl)
})

describe('enrollment invites', () => {
  it('issues a 60-bit Crockford code grouped by four, redeemable once', async () => {
    const code = await invites.issue('alice')
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/)
    expect(await invites.expiresAt('alice')).toBe(clock.now() + ttl)
    expect((await invites.redeem('alice', code)).ok).toBe(true)
    expect((await invites.redeem('alice', code)).ok).toBe(false)
    expect(await invites.expiresAt('alice')).toBeNull()
  })

  it('accepts the code typed loosely: lower case, spaces instead of dashes, O for 0 and I or L for 1', async () => {
    const code = await invites.issue('alice')
    const typed = ` ${code.replaceAll('-', ' ').toLowerCase().replaceAll('0', 'o').replaceAll('1', 'l')} `
    expect((await invites.redeem('alice', typed)).ok).toBe(true)
  })

  it('refuses a code for another user, and the owner can still use it', async () => {
    const code = await invites.issue('alice')
    await invites.issue('bob')
    expect((await invites.redeem('bob', code)).ok).toBe(false)
    expect((await invites.redeem('mallory', code)).ok).toBe(false)
    expect((await invites.redeem('alice', code)).ok).toBe(true)
  })

  it('keeps the code after a wrong guess or a malformed input', async () => {
    const code = await invites.issue('alice')
    const wrong = code.startsWith('0') ? `1${code.slice(1)}` : `0${code.slice(1)}`
    expect((await invites.redeem('alice', wrong)).ok).toBe(false)
    expect((await invites.redeem('alice', 'not a code')).ok).toBe(false)
    expect((await invites.redeem('alice', '')).ok).toBe(false)
    expect((await invites.redeem('alice', code)).ok).toBe(true)
  })

  it('refuses a code once its time is up', async () => {
    const code = await invites.issue('alice')
    clock.advance(ttl)
    expect((await invites.redeem('alice', code)).ok).toBe(false)
    expect(await invites.expiresAt('alice')).toBeNull()
  })

  it('works until just before it expires', async () => {
    const code = await invites.issue('alice')
    clock.advance(ttl - 1)
    expect((await invites.redeem('alice', code)).ok).toBe(true)
  })

  it('revokes the old code when a new one is issued', async () => {
    const first = await invites.issue('alice')
    const second = await invites.issue('alice')
    expect(second).not.toBe(first)
    expect((await invites.redeem('alice', first)).ok).toBe(false)
    expect((await invites.redeem('alice', second)).ok).toBe(true)
  })

  it('lets exactly one of two simultaneous redemptions through', async () => {
    const code = await invites.issue('alice')
    const results = await Promise.all([invites.redeem('alice', code), invites.redeem('alice', code)])
    expect(results.map((result) => result.ok).sort()).toEqual([false, true])
  })

  it('stores only a keyed hash: the code appears in no spelling, and another key does not verify it', async () => {
    const code = await invites.issue('alice')
    const stored = (await store.get(inviteKey('alice'))) ?? ''
    expect(stored).toMatch(/^[A-Za-z0-9_-]{43}$/)
    for (const spelling of [code, code.replaceAll('-', ''), code.toLowerCase()]) {
      expect(stored).not.toContain(spelling)
    }
    const otherKey = new EnrollmentInvites(store, clock, 'x'.repeat(40), ttl)
    expect((await otherKey.redeem('alice', code)).ok).toBe(false)
    expect((await invites.redeem('alice', code)).ok).toBe(true)
  })

  it('revoke withdraws an outstanding code', async () => {
    const code = await invites.issue('alice')
    await invites.revoke('alice')
    expect((await invites.redeem('alice', code)).ok).toBe(false)
  })
})

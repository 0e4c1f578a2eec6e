import { beforeEach, describe, expect, it } from 'vitest'
import { RecoveryCodes } from '../../../gateway/factors/recovery-codes.ts'
import { keys } from '../../../gateway/store/keys.ts'
import type { SqliteStore } from '../../../gateway/store/sqlite-store.ts'
import { FixedClock } from '../../support/clock.ts'
import { tempSqliteStore } from '../../support/temp-sqlite-store.ts'

const masterKey = 'k'.repeat(40)
let store: SqliteStore
let codes: RecoveryCodes

beforeEach(() => {
  const clock = new FixedClock()
  store = tempSqliteStore(clock).store
  codes = new RecoveryCodes(store, clock, masterKey)
})

describe('recovery codes', () => {
  it('generates 10 distinct codes of 12 Crockford base32 characters (60 bits), grouped by four', async () => {
    const set = await codes.generate('alice')
    expect(set).toHaveLength(10)
    expect(new Set(set).size).toBe(10)
    for (const code of set)
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/)
    expect(await codes.remaining('alice')).toBe(10)
    expect(await codes.remaining('bob')).toBeNull()
  })

  it('stores keyed hashes only: no code, in any spelling, appears in the store', async () => {
    const set = await codes.generate('alice')
    const stored = (await store.get(keys.recoveryCodes('alice'))) ?? ''
    for (const code of set) {
      expect(stored).not.toContain(code)
      expect(stored).not.toContain(code.replaceAll('-', ''))
    }
  })

  it('accepts each code once, counting down, whatever the case, spacing or dashes', async () => {
    const [first, second] = await codes.generate('alice')
    expect(await codes.redeem('alice', ` ${first?.toLowerCase().replaceAll('-', ' ')} `)).toEqual({
      ok: true,
      remaining: 9,
    })
    expect(await codes.redeem('alice', first as string)).toEqual({ ok: false, reason: 'replayed' })
    expect(await codes.redeem('alice', second?.replaceAll('-', '') as string)).toEqual({
      ok: true,
      remaining: 8,
    })
    expect(await codes.remaining('alice')).toBe(8)
  })

  it('lets one of two concurrent redemptions of the same code through', async () => {
    const [code] = await codes.generate('alice')
    const results = await Promise.all(Array.from({ length: 5 }, () => codes.redeem('alice', code as string)))
    expect(results.filter((r) => r.ok)).toHaveLength(1)
    expect(results.filter((r) => !r.ok && r.reason === 'replayed')).toHaveLength(4)
  })

  it("refuses another user's code, a wrong code, malformed input and a user without codes", async () => {
    const [aliceCode] = await codes.generate('alice')
    await codes.generate('bob')
    expect(await codes.redeem('bob', aliceCode as string)).toEqual({ ok: false, reason: 'wrong_code' })
    expect(await codes.redeem('alice', '0000-0000-0000')).toEqual({ ok: false, reason: 'wrong_code' })
    for (const bad of ['', '123', 'UUUU-UUUU-UUUU', `${aliceCode}0`, 'x'.repeat(10_000)]) {
      expect(await codes.redeem('alice', bad)).toEqual({ ok: false, reason: 'malformed' })
    }
    expect(await codes.redeem('carol', '0000-0000-0000')).toEqual({ ok: false, reason: 'no_codes' })
    expect(await codes.remaining('alice')).toBe(10)
  })

  it('revokes the old set when a new one is generated', async () => {
    const old = await codes.generate('alice')
    await codes.redeem('alice', old[0] as string)
    const fresh = await codes.generate('alice')
    expect(await codes.redeem('alice', old[1] as string)).toEqual({ ok: false, reason: 'wrong_code' })
    expect(await codes.remaining('alice')).toBe(10)
    expect(await codes.redeem('alice', fresh[0] as string)).toEqual({ ok: true, remaining: 9 })
  })
})

import { beforeEach, describe, expect, it } from 'vitest'
import { encodeOtp, SoftYubiKey } from '../../../../demo/soft-yubikey.ts'
import { counterValue, LocalValidation } from '../../../../gateway/factors/yubico-otp/local-validation.ts'
import { type ParsedOtp, parseOtp } from '../../../../gateway/factors/yubico-otp/otp.ts'
import { keys } from '../../../../gateway/store/keys.ts'
import type { SqliteStore } from '../../../../gateway/store/sqlite-store.ts'
import { FixedClock } from '../../../support/clock.ts'
import { tempSqliteStore } from '../../../support/temp-sqlite-store.ts'

const masterKey = 'k'.repeat(40)
let store: SqliteStore
let local: LocalValidation
let key: SoftYubiKey

const parsed = (otp: string): ParsedOtp => parseOtp(otp) as ParsedOtp

beforeEach(async () => {
  store = tempSqliteStore(new FixedClock()).store
  local = new LocalValidation(store, masterKey)
  key = new SoftYubiKey(SoftYubiKey.random().identity, { useCounter: 3 })
  await local.storeSecret('alice', key.identity, 'Blue key', 0)
})

describe('local validation', () => {
  it('accepts a fresh OTP and reports its counters', async () => {
    expect(await local.validate(parsed(key.tap()))).toEqual({ ok: true, useCounter: 3, sessionCounter: 0 })
  })

  it('refuses the same OTP a second time (replay)', async () => {
    const otp = key.tap()
    expect((await local.validate(parsed(otp))).ok).toBe(true)
    expect(await local.validate(parsed(otp))).toMatchObject({ ok: false, reason: 'replayed' })
  })

  it('refuses an older OTP once a newer one was accepted (counter regression)', async () => {
    const older = key.tap()
    const newer = key.tap()
    expect((await local.validate(parsed(newer))).ok).toBe(true)
    expect(await local.validate(parsed(older))).toMatchObject({ ok: false, reason: 'counter_regression' })
  })

  it('accepts growing counters: taps in a session, then a replug resetting the session counter', async () => {
    for (let i = 0; i < 3; i++) expect((await local.validate(parsed(key.tap()))).ok).toBe(true)
    key.replug()
    expect(await local.validate(parsed(key.tap()))).toEqual({ ok: true, useCounter: 4, sessionCounter: 0 })
  })

  it('orders by use counter first: a lower use counter loses whatever its session counter', async () => {
    const fields = { privateId: key.privateId, timestamp: 0, random: 0 }
    const at = (useCounter: number, sessionCounter: number) =>
      parsed(encodeOtp(key.publicId, key.aesKey, { ...fields, useCounter, sessionCounter }))
    expect((await local.validate(at(5, 0))).ok).toBe(true)
    expect(await local.validate(at(4, 200))).toMatchObject({ reason: 'counter_regression' })
    expect((await local.validate(at(5, 1))).ok).toBe(true)
    expect((await local.validate(at(6, 0))).ok).toBe(true)
  })

  it('refuses the same counter value typed twice with different random bytes', async () => {
    const fields = { privateId: key.privateId, timestamp: 0, useCounter: 9, sessionCounter: 1 }
    const first = encodeOtp(key.publicId, key.aesKey, { ...fields, random: 1 })
    const second = encodeOtp(key.publicId, key.aesKey, { ...fields, random: 2 })
    expect(first).not.toBe(second)
    expect((await local.validate(parsed(first))).ok).toBe(true)
    expect(await local.validate(parsed(second))).toMatchObject({ reason: 'replayed' })
  })

  it('lets exactly one of many concurrent checks of one OTP through', async () => {
    const otp = parsed(key.tap())
    const verdicts = await Promise.all(Array.from({ length: 8 }, () => local.validate(otp)))
    expect(verdicts.filter((v) => v.ok)).toHaveLength(1)
  })

  it('keeps only the last accepted counter on record', async () => {
    for (let i = 0; i < 5; i++) expect((await local.validate(parsed(key.tap()))).ok).toBe(true)
    expect(await local.acceptedCounters(key.publicId)).toEqual(['000304'])
  })

  it('refuses a token made with another AES key, or carrying another private id', async () => {
    const stranger = new SoftYubiKey({ ...SoftYubiKey.random().identity, publicId: key.publicId })
    expect(await local.validate(parsed(stranger.tap()))).toMatchObject({ ok: false, reason: 'bad_otp' })
    const wrongUid = encodeOtp(key.publicId, key.aesKey, {
      privateId: '000000000000',
      useCounter: 50,
      timestamp: 0,
      sessionCounter: 0,
      random: 0,
    })
    expect(await local.validate(parsed(wrongUid))).toMatchObject({ ok: false, reason: 'bad_otp' })
  })

  it('refuses a key whose secret was never imported', async () => {
    expect(await local.validate(parsed(SoftYubiKey.random().tap()))).toMatchObject({
      ok: false,
      reason: 'not_imported',
    })
  })

  it('stores the secret sealed, with the public id as associated data', async () => {
    const sealed = (await store.get(keys.yubicoOtpSecret(key.publicId))) ?? ''
    expect(sealed).toMatch(/^v1\./)
    expect(sealed).not.toContain(key.aesKey)
    expect(sealed).not.toContain(key.privateId)
    // Moved under another public id, it does not open: an error, never "no key imported".
    const other = SoftYubiKey.random().publicId
    await store.set(keys.yubicoOtpSecret(other), sealed)
    await expect(local.secretOf(other)).rejects.toThrow(/cannot be decrypted/)
  })

  it('keeps the counters when the same key is forgotten and imported again', async () => {
    const older = key.tap()
    expect((await local.validate(parsed(key.tap()))).ok).toBe(true)
    // A removal forgets the secret (stored-yubikeys.ts); the counters stay.
    await store.delete(keys.yubicoOtpSecret(key.publicId))
    expect(await local.validate(parsed(older))).toMatchObject({ reason: 'not_imported' })
    await local.storeSecret('alice', key.identity, 'Blue key', 1)
    expect(await local.validate(parsed(older))).toMatchObject({ reason: 'counter_regression' })
  })

  it('starts afresh for a reprogrammed key (new AES key, counters back at the start)', async () => {
    key.replug()
    expect((await local.validate(parsed(key.tap()))).ok).toBe(true)
    const reprogrammed = new SoftYubiKey({ ...SoftYubiKey.random().identity, publicId: key.publicId })
    await local.storeSecret('alice', reprogrammed.identity, 'Blue key', 1)
    expect((await local.validate(parsed(reprogrammed.tap()))).ok).toBe(true)
  })
})

describe('counterValue', () => {
  it('orders (useCtr, sessionCtr) pairs as fixed-width strings', () => {
    expect(counterValue({ useCounter: 0x13, sessionCounter: 0x11 })).toBe('001311')
    expect(counterValue({ useCounter: 0x7fff, sessionCounter: 0xff })).toBe('7fffff')
    expect(
      counterValue({ useCounter: 2, sessionCounter: 0 }) >
        counterValue({ useCounter: 1, sessionCounter: 255 }),
    ).toBe(true)
  })
})

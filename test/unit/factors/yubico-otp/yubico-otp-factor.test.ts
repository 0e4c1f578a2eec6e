import { beforeEach, describe, expect, it } from 'vitest'
import { SoftYubiKey } from '../../../../demo/soft-yubikey.ts'
import { StoredYubiKeys } from '../../../../gateway/factors/yubico-otp/stored-yubikeys.ts'
import {
  isServiceFailure,
  YubicoOtpFactor,
} from '../../../../gateway/factors/yubico-otp/yubico-otp-factor.ts'
import { keys } from '../../../../gateway/store/keys.ts'
import type { SqliteStore } from '../../../../gateway/store/sqlite-store.ts'
import { FixedClock } from '../../../support/clock.ts'
import { tempSqliteStore } from '../../../support/temp-sqlite-store.ts'

const masterKey = 'k'.repeat(40)
let store: SqliteStore
let clock: FixedClock
let factor: YubicoOtpFactor
let aliceKey: SoftYubiKey
let bobKey: SoftYubiKey

beforeEach(async () => {
  clock = new FixedClock()
  store = tempSqliteStore(clock).store
  factor = new YubicoOtpFactor({ mode: 'local' }, store, clock, masterKey)
  aliceKey = SoftYubiKey.random()
  bobKey = SoftYubiKey.random()
  expect(await factor.importKey('alice', { ...aliceKey.identity, name: 'Blue key' })).toEqual({
    ok: true,
    publicId: aliceKey.publicId,
  })
  expect((await factor.importKey('bob', bobKey.identity)).ok).toBe(true)
})

describe('YubiKey OTP factor (local mode)', () => {
  it('lists an imported key only once the user enrolls it with a tap, under the imported name', async () => {
    expect(await factor.keysOf('alice')).toEqual([])
    const enrolled = await factor.enroll('alice', aliceKey.tap())
    const key = {
      publicId: aliceKey.publicId,
      name: 'Blue key',
      createdAt: clock.now(),
      lastUsedAt: clock.now(),
    }
    expect(enrolled).toEqual({ ok: true, key })
    expect(await factor.keysOf('alice')).toEqual([key])
  })

  it('accepts a tap of an enrolled key and records when it was used', async () => {
    await factor.enroll('alice', aliceKey.tap(), 'Desk key')
    clock.advance(60_000)
    expect(await factor.verify('alice', aliceKey.tap())).toEqual({ ok: true, publicId: aliceKey.publicId })
    expect(await factor.keysOf('alice')).toMatchObject([{ name: 'Desk key', lastUsedAt: clock.now() }])
  })

  it('refuses the same tap twice, and an older tap after a newer one', async () => {
    await factor.enroll('alice', aliceKey.tap())
    const older = aliceKey.tap()
    const newer = aliceKey.tap()
    expect((await factor.verify('alice', newer)).ok).toBe(true)
    expect(await factor.verify('alice', newer)).toMatchObject({ ok: false, reason: 'replayed' })
    expect(await factor.verify('alice', older)).toMatchObject({ ok: false, reason: 'counter_regression' })
  })

  it("refuses another user's key, without using up the OTP", async () => {
    await factor.enroll('alice', aliceKey.tap())
    await factor.enroll('bob', bobKey.tap())
    const bobsTap = bobKey.tap()
    expect(await factor.verify('alice', bobsTap)).toEqual({
      ok: false,
      reason: 'unknown_key',
      detail: `key '${bobKey.publicId}' is another user's`,
    })
    expect((await factor.verify('bob', bobsTap)).ok).toBe(true)
  })

  it('refuses a key that is not enrolled, imported or not', async () => {
    expect(await factor.verify('alice', aliceKey.tap())).toMatchObject({
      reason: 'unknown_key',
      detail: `key '${aliceKey.publicId}' is not enrolled yet`,
    })
    expect(await factor.verify('alice', SoftYubiKey.random().tap())).toMatchObject({
      reason: 'unknown_key',
      detail: expect.stringMatching(/is not enrolled$/),
    })
  })

  it('lets one public id belong to one user only', async () => {
    expect(await factor.importKey('bob', { ...aliceKey.identity })).toMatchObject({
      ok: false,
      reason: 'already_registered',
    })
    expect(await factor.enroll('bob', aliceKey.tap())).toMatchObject({
      ok: false,
      reason: 'already_registered',
    })
    expect(await factor.keysOf('bob')).toEqual([])
    expect((await factor.enroll('alice', aliceKey.tap())).ok).toBe(true)
    expect(await factor.enroll('alice', aliceKey.tap())).toMatchObject({ reason: 'already_registered' })
  })

  it('enrolls a key only with a valid OTP: malformed, forged and never-imported taps are refused', async () => {
    expect(await factor.enroll('alice', 'not an otp')).toMatchObject({ reason: 'malformed' })
    expect(await factor.enroll('alice', `${aliceKey.tap()}${'c'.repeat(100)}`)).toMatchObject({
      reason: 'malformed',
    })
    expect(await factor.enroll('alice', 'c'.repeat(32))).toMatchObject({ reason: 'malformed' })
    const forged = new SoftYubiKey({ ...SoftYubiKey.random().identity, publicId: aliceKey.publicId })
    expect(await factor.enroll('alice', forged.tap())).toMatchObject({ reason: 'bad_otp' })
    expect(await factor.enroll('alice', SoftYubiKey.random().tap())).toMatchObject({ reason: 'not_imported' })
    expect(await factor.enroll('alice', aliceKey.tap(), 'x'.repeat(65))).toMatchObject({
      reason: 'invalid_name',
    })
    expect(await factor.keysOf('alice')).toEqual([])
  })

  it('refuses malformed and over-long input at sign-in', async () => {
    await factor.enroll('alice', aliceKey.tap())
    for (const bad of ['', '123456', 'x'.repeat(10_000), aliceKey.tap().slice(0, 31)]) {
      expect(await factor.verify('alice', bad)).toMatchObject({ ok: false, reason: 'malformed' })
    }
  })

  it('refuses key material that is not a Yubico OTP slot', async () => {
    const bad = { ...SoftYubiKey.random().identity, aesKey: 'abc' }
    expect(await factor.importKey('carol', bad)).toMatchObject({ ok: false, reason: 'invalid_key' })
  })

  it('renames a key of the user only', async () => {
    await factor.enroll('alice', aliceKey.tap())
    expect(await factor.rename('alice', aliceKey.publicId, '  Spare\nkey ')).toEqual({ ok: true })
    expect(await factor.keysOf('alice')).toMatchObject([{ name: 'Spare key' }])
    expect(await factor.rename('alice', bobKey.publicId, 'Mine')).toMatchObject({ reason: 'unknown_key' })
    expect(await factor.rename('alice', aliceKey.publicId, 'x'.repeat(65))).toMatchObject({
      reason: 'invalid_name',
    })
  })

  it('removes a key with its secret and claim, so it no longer signs in and may go to someone else', async () => {
    await factor.enroll('alice', aliceKey.tap())
    expect(await factor.remove('bob', aliceKey.publicId)).toBe(false)
    expect(await factor.remove('alice', aliceKey.publicId)).toBe(true)
    expect(await factor.keysOf('alice')).toEqual([])
    expect(await store.get(keys.yubicoOtpSecret(aliceKey.publicId))).toBeNull()
    expect(await store.get(keys.yubicoOtpOwner(aliceKey.publicId))).toBeNull()
    expect(await factor.verify('alice', aliceKey.tap())).toMatchObject({ reason: 'unknown_key' })
    expect((await factor.importKey('bob', aliceKey.identity)).ok).toBe(true)
  })

  it('forgets every key of the user on reset, imported but not enrolled ones too', async () => {
    const spare = SoftYubiKey.random()
    await factor.importKey('alice', spare.identity)
    await factor.enroll('alice', aliceKey.tap())
    await new StoredYubiKeys(store).removeAll('alice')
    expect(await factor.keysOf('alice')).toEqual([])
    expect(await factor.enroll('alice', spare.tap())).toMatchObject({ reason: 'not_imported' })
    expect(await store.members(keys.yubicoOtpImported('alice'))).toEqual([])
    expect(await factor.keysOf('bob')).toEqual([])
    expect((await factor.enroll('bob', bobKey.tap())).ok).toBe(true)
  })

  it('rejects an unreadable key record instead of reading it as "no keys"', async () => {
    await factor.enroll('alice', aliceKey.tap())
    await store.set(keys.yubicoOtpKey('alice', aliceKey.publicId), '{not json')
    await expect(factor.keysOf('alice')).rejects.toThrow(/unreadable/)
    await expect(factor.verify('alice', aliceKey.tap())).rejects.toThrow(/unreadable/)
  })

  it('refuses to import in cloud mode, where the secret would never be used', async () => {
    const cloud = new YubicoOtpFactor(
      {
        mode: 'cloud',
        cloud: { servers: ['http://127.0.0.1:1/'], clientId: '1', apiKey: 'a2V5', timeoutMs: 100 },
      },
      store,
      clock,
      masterKey,
    )
    await expect(cloud.importKey('alice', aliceKey.identity)).rejects.toThrow(/local mode/)
  })

  it("tells the service's failures from the person's", () => {
    expect(isServiceFailure('unavailable')).toBe(true)
    expect(isServiceFailure('no_such_client')).toBe(true)
    expect(isServiceFailure('replayed')).toBe(false)
    expect(isServiceFailure('unknown_key')).toBe(false)
  })
})

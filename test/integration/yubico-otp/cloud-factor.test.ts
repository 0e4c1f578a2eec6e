import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SoftYubiKey } from '../../../demo/soft-yubikey.ts'
import { isServiceFailure, YubicoOtpFactor } from '../../../gateway/factors/yubico-otp/yubico-otp-factor.ts'
import type { SqliteStore } from '../../../gateway/store/sqlite-store.ts'
import { FixedClock } from '../../support/clock.ts'
import { tempSqliteStore } from '../../support/temp-sqlite-store.ts'
import { startValidationServer, type ValidationServer } from '../../support/validation-server.ts'

const API_KEY = randomBytes(20).toString('base64')
let store: SqliteStore
let server: ValidationServer
let factor: YubicoOtpFactor
let aliceKey: SoftYubiKey
let bobKey: SoftYubiKey

beforeEach(async () => {
  const clock = new FixedClock()
  store = tempSqliteStore(clock).store
  aliceKey = SoftYubiKey.random()
  bobKey = SoftYubiKey.random()
  server = await startValidationServer({
    clients: { '1': API_KEY },
    keys: [aliceKey.identity, bobKey.identity],
  })
  const cloud = { servers: [server.url], clientId: '1', apiKey: API_KEY, timeoutMs: 500 }
  factor = new YubicoOtpFactor({ mode: 'cloud', cloud }, store, clock, 'k'.repeat(40))
})
afterEach(async () => {
  await server.stop()
})

describe('YubiKey OTP factor (cloud mode)', () => {
  it('enrolls a key with a good tap, then accepts its taps and refuses a replay', async () => {
    expect(await factor.enroll('alice', aliceKey.tap(), 'Blue key')).toMatchObject({
      ok: true,
      key: { publicId: aliceKey.publicId, name: 'Blue key' },
    })
    const otp = aliceKey.tap()
    expect(await factor.verify('alice', otp)).toEqual({ ok: true, publicId: aliceKey.publicId })
    expect(await factor.verify('alice', otp)).toMatchObject({ ok: false, reason: 'replayed' })
  })

  it("refuses another user's key and a key not enrolled without asking the server", async () => {
    await factor.enroll('alice', aliceKey.tap())
    await factor.enroll('bob', bobKey.tap())
    const asked = server.requests.length
    expect(await factor.verify('alice', bobKey.tap())).toMatchObject({ ok: false, reason: 'unknown_key' })
    expect(await factor.verify('alice', SoftYubiKey.random().tap())).toMatchObject({ reason: 'unknown_key' })
    expect(server.requests).toHaveLength(asked)
  })

  it('lets one public id be enrolled by one user only', async () => {
    expect((await factor.enroll('alice', aliceKey.tap())).ok).toBe(true)
    expect(await factor.enroll('bob', aliceKey.tap())).toEqual({
      ok: false,
      reason: 'already_registered',
      detail: `${aliceKey.publicId} belongs to another user`,
    })
    expect(await factor.keysOf('bob')).toEqual([])
  })

  it('lets only one of two users racing to enroll the same key have it', async () => {
    const results = await Promise.all([
      factor.enroll('alice', aliceKey.tap()),
      factor.enroll('bob', aliceKey.tap()),
    ])
    expect(results.filter((r) => r.ok)).toHaveLength(1)
    const owners = [(await factor.keysOf('alice')).length, (await factor.keysOf('bob')).length]
    expect(owners.sort()).toEqual([0, 1])
  })

  it('does not enroll a key whose OTP the server refuses', async () => {
    expect(await factor.enroll('alice', SoftYubiKey.random().tap())).toMatchObject({ reason: 'bad_otp' })
    expect(await factor.keysOf('alice')).toEqual([])
  })

  it('fails closed when the validation service is unreachable, saying it is the service', async () => {
    await factor.enroll('alice', aliceKey.tap())
    server.answerNext('hang')
    const verdict = await factor.verify('alice', aliceKey.tap())
    expect(verdict).toMatchObject({ ok: false, reason: 'unavailable' })
    expect(!verdict.ok && isServiceFailure(verdict.reason)).toBe(true)
  })
})

import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { SoftYubiKey } from '../../../demo/soft-yubikey.ts'
import { YubicoOtpFactor } from '../../../gateway/factors/yubico-otp/yubico-otp-factor.ts'
import { createRedisStore, type RedisStore } from '../../../gateway/store/redis-store.ts'
import { FixedClock } from '../../support/clock.ts'
import { type RedisServer, startRedis } from '../../support/redis.ts'

const masterKey = 'k'.repeat(40)

describe('YubiKey OTP in local mode, two gateways sharing one Redis', () => {
  let redis: RedisServer
  let prefix: string
  let stores: RedisStore[]
  let gatewayA: YubicoOtpFactor
  let gatewayB: YubicoOtpFactor
  let key: SoftYubiKey

  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis.stop()
  })
  beforeEach(async () => {
    prefix = `yubico-${randomBytes(4).toString('hex')}:`
    stores = [createRedisStore(redis.url, prefix), createRedisStore(redis.url, prefix)]
    const clock = new FixedClock()
    ;[gatewayA, gatewayB] = stores.map(
      (store) => new YubicoOtpFactor({ mode: 'local' }, store, clock, masterKey),
    ) as [YubicoOtpFactor, YubicoOtpFactor]
    key = SoftYubiKey.random()
    expect((await gatewayA.importKey('alice', key.identity)).ok).toBe(true)
    expect((await gatewayB.enroll('alice', key.tap())).ok).toBe(true)
  })
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()))
  })

  it('accepts one OTP on exactly one gateway when both check it at once', async () => {
    for (let round = 0; round < 20; round++) {
      const otp = key.tap()
      const verdicts = await Promise.all([gatewayA.verify('alice', otp), gatewayB.verify('alice', otp)])
      expect(
        verdicts.filter((v) => v.ok),
        `round ${round}`,
      ).toHaveLength(1)
      expect(verdicts.find((v) => !v.ok)).toMatchObject({ reason: 'replayed' })
    }
  })

  it('accepts one OTP once in a burst of checks spread over both gateways', async () => {
    const otp = key.tap()
    const verdicts = await Promise.all(
      Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? gatewayA : gatewayB).verify('alice', otp)),
    )
    expect(verdicts.filter((v) => v.ok)).toHaveLength(1)
  })

  it('refuses on one gateway an older OTP once the other accepted a newer one (counter regression)', async () => {
    const older = key.tap()
    const newer = key.tap()
    expect((await gatewayB.verify('alice', newer)).ok).toBe(true)
    expect(await gatewayA.verify('alice', older)).toMatchObject({ ok: false, reason: 'counter_regression' })
    const neverUsed = key.tap()
    key.replug()
    expect((await gatewayA.verify('alice', key.tap())).ok).toBe(true)
    expect(await gatewayB.verify('alice', neverUsed)).toMatchObject({
      ok: false,
      reason: 'counter_regression',
    })
  })

  it('still refuses a replay by the counters once the single-use claim has expired', async () => {
    const otp = key.tap()
    expect((await gatewayA.verify('alice', otp)).ok).toBe(true)
    const raw = new Redis(redis.url)
    try {
      const claims = await raw.keys(`${prefix}yubico-otp-used:*`)
      expect(claims.length).toBeGreaterThan(0)
      await raw.del(...claims)
    } finally {
      await raw.quit()
    }
    expect(await gatewayB.verify('alice', otp)).toMatchObject({ ok: false, reason: 'replayed' })
  })

  it('keeps the AES key sealed in Redis', async () => {
    const raw = new Redis(redis.url)
    try {
      const keys = await raw.keys(`${prefix}*`)
      const values = await Promise.all(
        keys.map(async (k) => ((await raw.type(k)) === 'string' ? ((await raw.get(k)) ?? '') : '')),
      )
      expect(values.join('\n')).not.toContain(key.aesKey)
      expect(values.join('\n')).not.toContain(key.privateId)
    } finally {
      await raw.quit()
    }
  })
})

describe('YubiKey OTP in local mode when Redis goes away', () => {
  it('fails closed: a verification rejects rather than accept or refuse', async () => {
    const redis = await startRedis()
    const store = createRedisStore(redis.url, 'outage:')
    try {
      const factor = new YubicoOtpFactor({ mode: 'local' }, store, new FixedClock(), masterKey)
      const key = SoftYubiKey.random()
      await factor.importKey('alice', key.identity)
      expect((await factor.enroll('alice', key.tap())).ok).toBe(true)
      await redis.stop()
      await expect(factor.verify('alice', key.tap())).rejects.toThrow()
    } finally {
      await store.close()
    }
  })
})

import { expect, it } from 'vitest'
import { SoftYubiKey } from '../../../demo/soft-yubikey.ts'
import { YubicoOtpFactor } from '../../../gateway/factors/yubico-otp/yubico-otp-factor.ts'
import type { Store } from '../../../gateway/store/store.ts'
import { describeOnBothStores } from '../../support/both-stores.ts'
import { interleave, pauseBeforeWrite } from '../../support/paused-store.ts'

const masterKey = 'k'.repeat(40)

/** Every write to one of alice's listed YubiKeys (not the set of keys imported for her). */
const alicesKeys = /^user:alice:yubico-otp(?!-imported)/

/**
 * Two gateways change one user's YubiKeys at the same moment (local mode, so no validation server is
 * involved). Each change is held right before its first write to the user's keys while the other runs
 * to completion: the interleaving in which a read-modify-write of one list loses the other change.
 */
describeOnBothStores('YubiKeys changed concurrently', (current) => {
  const gateways = async (...keys: SoftYubiKey[]) => {
    const { store, clock } = current()
    const paused = pauseBeforeWrite(store, alicesKeys)
    const on = (s: Store) => new YubicoOtpFactor({ mode: 'local' }, s, clock, masterKey)
    const other = on(store)
    for (const key of keys) expect((await other.importKey('alice', key.identity)).ok).toBe(true)
    return { paused, held: on(paused.store), other, clock }
  }

  it('keeps both of two enrollments for one user at once', async () => {
    const blue = SoftYubiKey.random()
    const black = SoftYubiKey.random()
    const { paused, held, other } = await gateways(blue, black)
    const [a, b] = await interleave(
      paused,
      () => held.enroll('alice', blue.tap(), 'Blue key'),
      () => other.enroll('alice', black.tap(), 'Black key'),
    )
    expect([a.ok, b.ok]).toEqual([true, true])
    expect((await other.keysOf('alice')).map((k) => k.name).sort()).toEqual(['Black key', 'Blue key'])
    expect((await other.verify('alice', blue.tap())).ok).toBe(true)
    expect((await other.verify('alice', black.tap())).ok).toBe(true)
  })

  it('keeps every one of several enrollments started together', async () => {
    const keys = Array.from({ length: 6 }, () => SoftYubiKey.random())
    const { other } = await gateways(...keys)
    const results = await Promise.all(keys.map((key, i) => other.enroll('alice', key.tap(), `Key ${i}`)))
    expect(results.filter((r) => r.ok)).toHaveLength(6)
    const listed = (await other.keysOf('alice')).map((k) => k.publicId).sort()
    expect(listed).toEqual(keys.map((k) => k.publicId).sort())
  })

  it('keeps a rename made while a sign-in records its use, and the time of use', async () => {
    const key = SoftYubiKey.random()
    const { paused, held, other, clock } = await gateways(key)
    expect((await other.enroll('alice', key.tap(), 'Blue key')).ok).toBe(true)
    clock.advance(60_000)
    const [verified, renamed] = await interleave(
      paused,
      () => held.verify('alice', key.tap()),
      () => other.rename('alice', key.publicId, 'Desk key'),
    )
    expect([verified.ok, renamed.ok]).toEqual([true, true])
    expect(await other.keysOf('alice')).toMatchObject([
      { publicId: key.publicId, name: 'Desk key', lastUsedAt: clock.now() },
    ])
  })

  it('keeps an enrollment made while a sign-in records its use', async () => {
    const used = SoftYubiKey.random()
    const added = SoftYubiKey.random()
    const { paused, held, other } = await gateways(used, added)
    expect((await other.enroll('alice', used.tap(), 'Blue key')).ok).toBe(true)
    const [verified, enrolled] = await interleave(
      paused,
      () => held.verify('alice', used.tap()),
      () => other.enroll('alice', added.tap(), 'Spare key'),
    )
    expect([verified.ok, enrolled.ok]).toEqual([true, true])
    expect((await other.keysOf('alice')).map((k) => k.name).sort()).toEqual(['Blue key', 'Spare key'])
  })

  it('keeps a key removed while a sign-in with it records its use removed, and refuses that sign-in', async () => {
    const key = SoftYubiKey.random()
    const { paused, held, other } = await gateways(key)
    expect((await other.enroll('alice', key.tap())).ok).toBe(true)
    const [verified, removed] = await interleave(
      paused,
      () => held.verify('alice', key.tap()),
      () => other.remove('alice', key.publicId),
    )
    expect(removed).toBe(true)
    expect(verified).toMatchObject({ ok: false, reason: 'unknown_key' })
    expect(await other.keysOf('alice')).toEqual([])
    expect(await other.verify('alice', key.tap())).toMatchObject({ ok: false, reason: 'unknown_key' })
  })

  it('keeps a key removed while it is being renamed removed', async () => {
    const key = SoftYubiKey.random()
    const { paused, held, other } = await gateways(key)
    expect((await other.enroll('alice', key.tap())).ok).toBe(true)
    const [renamed, removed] = await interleave(
      paused,
      () => held.rename('alice', key.publicId, 'Desk key'),
      () => other.remove('alice', key.publicId),
    )
    expect(removed).toBe(true)
    expect(renamed).toMatchObject({ ok: false, reason: 'unknown_key' })
    expect(await other.keysOf('alice')).toEqual([])
  })

  it('lists the keys in the order they were enrolled', async () => {
    const keys = [SoftYubiKey.random(), SoftYubiKey.random(), SoftYubiKey.random()]
    const { other, clock } = await gateways(...keys)
    for (const [i, key] of keys.entries()) {
      clock.advance(1_000)
      expect((await other.enroll('alice', key.tap(), `Key ${i + 1}`)).ok).toBe(true)
    }
    expect((await other.keysOf('alice')).map((k) => k.name)).toEqual(['Key 1', 'Key 2', 'Key 3'])
  })
})

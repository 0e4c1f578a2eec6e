import { beforeEach, describe, expect, it } from 'vitest'
import type { Delivery, Notifier, SmsMessage } from '../../../../gateway/factors/sms/notifier.ts'
import { SmsFactor, type SmsSettings } from '../../../../gateway/factors/sms/sms-factor.ts'
import { StoredPhone } from '../../../../gateway/factors/sms/stored-phone.ts'
import type { SqliteStore } from '../../../../gateway/store/sqlite-store.ts'
import { FixedClock } from '../../../support/clock.ts'
import { tempSqliteStore } from '../../../support/temp-sqlite-store.ts'

/** Records what it is given and answers as told: the factor's logic without a network. */
class RecordingNotifier implements Notifier {
  readonly type = 'log'
  readonly sent: SmsMessage[] = []
  next: Delivery | 'throw' = { ok: true }

  async send(message: SmsMessage): Promise<Delivery> {
    if (this.next === 'throw') throw new Error('boom')
    if (this.next.ok) this.sent.push(message)
    return this.next
  }

  codeTo(to: string): string {
    const message = this.sent.findLast((m) => m.to === to)
    return /^(\d{6}) /.exec(message?.text ?? '')?.[1] ?? ''
  }
}

const masterKey = 'k'.repeat(40)
const number = '+447700900123'
const settings: SmsSettings = {
  issuer: 'DemoPanel',
  codeTtlMs: 5 * 60_000,
  resendAfterMs: 30_000,
  maxPerHour: 3,
  fallbackOnly: false,
  allow: null,
}
let store: SqliteStore
let clock: FixedClock
let notifier: RecordingNotifier
let sms: SmsFactor

beforeEach(() => {
  clock = new FixedClock()
  store = tempSqliteStore(clock).store
  notifier = new RecordingNotifier()
  sms = new SmsFactor(settings, notifier, store, clock, masterKey)
})

describe('SmsFactor', () => {
  it('texts six random digits, names the issuer and the validity, and keeps only an HMAC of them', async () => {
    expect(await sms.send('alice', 'sign_in', number)).toEqual({
      ok: true,
      expiresAt: clock.now() + 5 * 60_000,
    })
    const [message] = notifier.sent
    expect(message?.to).toBe(number)
    expect(message?.text).toMatch(/^\d{6} is your DemoPanel code\. It expires in 5 minutes\.$/)
    expect(message?.codeId).toMatch(/^[A-Za-z0-9_-]{16}$/)
    const stored = (await store.get('user:alice:sms-code:sign_in')) ?? ''
    expect(stored).not.toContain(notifier.codeTo(number))
    expect(stored).not.toContain('7700900123')
  })

  it('accepts the code once, for its purpose and user only', async () => {
    await sms.send('alice', 'register', number)
    const code = notifier.codeTo(number)
    expect(await sms.verify('alice', 'sign_in', code)).toEqual({
      ok: false,
      reason: 'no_code',
      notAGuess: true,
    })
    expect(await sms.verify('bob', 'register', code)).toEqual({
      ok: false,
      reason: 'no_code',
      notAGuess: true,
    })
    expect(await sms.verify('alice', 'register', ` ${code.slice(0, 3)} ${code.slice(3)} `)).toEqual({
      ok: true,
      number,
    })
    expect(await sms.verify('alice', 'register', code)).toEqual({
      ok: false,
      reason: 'no_code',
      notAGuess: true,
    })
  })

  it('lets only one of two gateways accept the same code at once', async () => {
    await sms.send('alice', 'sign_in', number)
    const code = notifier.codeTo(number)
    const results = await Promise.all([
      sms.verify('alice', 'sign_in', code),
      sms.verify('alice', 'sign_in', code),
    ])
    expect(results.filter((r) => r.ok)).toHaveLength(1)
  })

  it('refuses a code after its validity, however right, as no guess (it does not count toward a lockout)', async () => {
    await sms.send('alice', 'sign_in', number)
    clock.advance(5 * 60_000)
    expect(await sms.verify('alice', 'sign_in', notifier.codeTo(number))).toEqual({
      ok: false,
      reason: 'expired',
      notAGuess: true,
    })
    expect(await sms.outstanding('alice', 'sign_in')).toBeNull()
  })

  it('counts down five tries, then the code is dead', async () => {
    await sms.send('alice', 'sign_in', number)
    const code = notifier.codeTo(number)
    const wrong = code === '999999' ? '000000' : '999999'
    for (const attemptsLeft of [4, 3, 2, 1]) {
      expect(await sms.verify('alice', 'sign_in', wrong)).toEqual({
        ok: false,
        reason: 'wrong_code',
        attemptsLeft,
      })
    }
    expect(await sms.verify('alice', 'sign_in', 'abc')).toEqual({ ok: false, reason: 'malformed' })
    expect(await sms.verify('alice', 'sign_in', wrong)).toEqual({ ok: false, reason: 'used_up' })
    expect(await sms.verify('alice', 'sign_in', code)).toEqual({
      ok: false,
      reason: 'no_code',
      notAGuess: true,
    })
  })

  it('waits resendAfterMs between codes, and a new code replaces the old one', async () => {
    await sms.send('alice', 'sign_in', number)
    const first = notifier.codeTo(number)
    clock.advance(12_000)
    expect(await sms.send('alice', 'sign_in', number)).toEqual({
      ok: false,
      reason: 'too_soon',
      retryAfterMs: 18_000,
    })
    expect(await sms.resendInMs('alice', 'sign_in')).toBe(18_000)
    clock.advance(18_000)
    expect((await sms.send('alice', 'sign_in', number)).ok).toBe(true)
    const second = notifier.codeTo(number)
    if (first !== second) {
      expect(await sms.verify('alice', 'sign_in', first)).toMatchObject({ ok: false, reason: 'wrong_code' })
    }
    expect(await sms.verify('alice', 'sign_in', second)).toEqual({ ok: true, number })
  })

  it('caps messages per user and per number in an hour', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await sms.send('alice', 'sign_in', number)).ok).toBe(true)
      clock.advance(30_000)
    }
    expect(await sms.send('alice', 'register', '+447700900456')).toMatchObject({
      ok: false,
      reason: 'hourly_limit',
    })
    expect(await sms.send('bob', 'register', number)).toMatchObject({ ok: false, reason: 'hourly_limit' })
    expect((await sms.send('bob', 'register', '+447700900456')).ok).toBe(true)
    clock.advance(60 * 60_000)
    expect((await sms.send('alice', 'sign_in', number)).ok).toBe(true)
  })

  it('stores nothing, keeps the old code and lifts the wait when the message was not handed over', async () => {
    await sms.send('alice', 'sign_in', number)
    const old = notifier.codeTo(number)
    clock.advance(30_000)
    notifier.next = { ok: false, detail: 'webhook: HTTP 500' }
    expect(await sms.send('alice', 'sign_in', number)).toEqual({
      ok: false,
      reason: 'not_delivered',
      detail: 'webhook: HTTP 500',
    })
    notifier.next = 'throw'
    expect(await sms.send('alice', 'sign_in', number)).toEqual({
      ok: false,
      reason: 'not_delivered',
      detail: 'log: boom',
    })
    expect(await sms.resendInMs('alice', 'sign_in')).toBe(0)
    expect(await sms.verify('alice', 'sign_in', old)).toEqual({ ok: true, number })
  })

  it('seals the number at rest, marks it used at sign-in, and forgets everything on removeAll', async () => {
    await sms.setPhone('alice', number)
    expect(await store.get('user:alice:sms')).not.toContain('7700900123')
    expect(await sms.phoneOf('alice')).toEqual({ number, addedAt: clock.now(), lastUsedAt: null })
    await sms.send('alice', 'sign_in', number)
    clock.advance(1_000)
    await sms.verify('alice', 'sign_in', notifier.codeTo(number))
    expect((await sms.phoneOf('alice'))?.lastUsedAt).toBe(clock.now())
    await new StoredPhone(store).removeAll('alice')
    expect(await sms.phoneOf('alice')).toBeNull()
  })

  it('refuses to read a number sealed under another key as "no number"', async () => {
    await sms.setPhone('alice', number)
    const other = new SmsFactor(settings, notifier, store, clock, 'x'.repeat(40))
    await expect(other.phoneOf('alice')).rejects.toThrow(/cannot be decrypted/)
  })

  it('allows everyone, or listed users and groups, and holds the number back behind stronger factors', () => {
    expect(sms.allows('anyone', [])).toBe(true)
    const listed = new SmsFactor(
      {
        ...settings,
        fallbackOnly: true,
        allow: { users: new Set(['alice']), groups: new Set(['resellers']) },
      },
      notifier,
      store,
      clock,
      masterKey,
    )
    expect(listed.allows('alice', [])).toBe(true)
    expect(listed.allows('bob', ['staff', 'resellers'])).toBe(true)
    expect(listed.allows('bob', ['staff'])).toBe(false)
    const ways = { webauthn: 0, yubico_otp: 0, totp: 0, sms: 1 }
    expect(listed.offeredAtSignIn({ ways })).toBe(true)
    expect(listed.offeredAtSignIn({ ways: { ...ways, totp: 1 } })).toBe(false)
    expect(listed.offeredAtSignIn({ ways: { ...ways, yubico_otp: 1 } })).toBe(false)
    expect(sms.offeredAtSignIn({ ways: { ...ways, totp: 1, webauthn: 1 } })).toBe(true)
    expect(sms.offeredAtSignIn({ ways: { ...ways, sms: 0 } })).toBe(false)
  })
})

import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { describeDuration } from '../../config/duration.ts'
import { deriveKey, SecretBox } from '../../crypto/secret-box.ts'
import type { Clock } from '../../deps.ts'
import { safeJson } from '../../safe-json.ts'
import { keys } from '../../store/keys.ts'
import type { Store } from '../../store/store.ts'
import { withoutSeparators } from '../typed-code.ts'
import type { Delivery, Notifier } from './notifier.ts'

/** A code to sign in (or confirm a change) with the user's number, or one that proves a new number. */
export type SmsPurpose = 'sign_in' | 'register'

export interface SmsSettings {
  /** Names the sender in the message: "123456 is your <issuer> code." */
  issuer: string
  codeTtlMs: number
  resendAfterMs: number
  /** Messages per user, and per number, in an hour. */
  maxPerHour: number
  /** Offered at sign-in only to users with no app, security key or YubiKey. */
  fallbackOnly: boolean
  /** null: everyone; else members of these groups and these (canonical) usernames. */
  allow: { groups: ReadonlySet<string>; users: ReadonlySet<string> } | null
}

/** The user's active number, opened. */
export interface SmsPhone {
  number: string
  addedAt: number
  lastUsedAt: number | null
}

/** The code waiting to be entered, and where it went. */
export interface OutstandingCode {
  number: string
  sentAt: number
  expiresAt: number
}

export type SendResult =
  | { ok: true; expiresAt: number }
  | { ok: false; reason: 'too_soon' | 'hourly_limit'; retryAfterMs: number }
  | { ok: false; reason: 'not_delivered'; detail: string }

export type SmsFailure = 'malformed' | 'no_code' | 'expired' | 'wrong_code' | 'used_up' | 'replayed'

export type VerifyResult =
  | { ok: true; number: string }
  | { ok: false; reason: 'wrong_code'; attemptsLeft: number }
  | { ok: false; reason: 'no_code' | 'expired'; notAGuess: true }
  | { ok: false; reason: Exclude<SmsFailure, 'wrong_code' | 'no_code' | 'expired'> }

/** What the fallback rule reads of a user's factors (gateway/factors/enrolled-factors.ts). */
export interface FactorsForFallback {
  /** Ways in by factor id: `sms` and every other one (all stronger than a text message). */
  ways: Readonly<Record<string, number>>
}

const MAX_ATTEMPTS = 5
const CODE_DIGITS = 6
const HOUR_MS = 3_600_000
/** A code's record outlives it by this much, so a late entry reads "expired" rather than "no code". */
const EXPIRED_GRACE_MS = 15 * 60_000

/** `id` is new with every number, so that a time of use can name the number it belongs to. */
const storedPhone = z.object({ id: z.string(), number: z.string(), addedAt: z.number() })
/**
 * Written by a sign-in, apart from the number: writing the whole record back would undo a change or
 * removal of the number made meanwhile. Two sign-ins at once leave one of the two times (display only).
 */
const storedPhoneUse = z.object({ phone: z.string(), at: z.number() })
const storedCode = z.object({
  id: z.string(),
  hash: z.string(),
  /** Sealed, like the active number. */
  number: z.string(),
  sentAt: z.number(),
  expiresAt: z.number(),
})
type StoredCode = z.infer<typeof storedCode>

/**
 * Codes by text message (NIST SP 800-63B calls them restricted: off unless the operator allows them).
 * A code is 6 random digits, stored only as an HMAC under a key derived from encryption_key, valid
 * `codeTtlMs`, and dead after 5 wrong guesses (counted atomically across gateways). A new code of a
 * purpose replaces the old one. Another code may be sent once `resendAfterMs` has passed, and at most
 * `maxPerHour` go to a user and to a number in an hour. A code is stored only once the notifier has
 * taken the message: a failed send leaves nothing behind that could be guessed, and the old code
 * stands. Numbers are sealed at rest with the user as associated data. Store failures reject.
 */
export class SmsFactor {
  readonly #codeKey: Buffer
  readonly #numberKey: Buffer
  readonly #box: SecretBox

  constructor(
    readonly settings: SmsSettings,
    readonly notifier: Notifier,
    private readonly store: Store,
    private readonly clock: Clock,
    masterKey: string,
  ) {
    this.#codeKey = deriveKey(masterKey, 'tapgate sms codes')
    this.#numberKey = deriveKey(masterKey, 'tapgate sms numbers')
    this.#box = new SecretBox(masterKey, 'sms phone numbers')
  }

  /** Whether the operator allows text messages for this user (`factors.sms.allow`). */
  allows(user: string, groups: readonly string[]): boolean {
    const { allow } = this.settings
    return allow === null || allow.users.has(user) || groups.some((group) => allow.groups.has(group))
  }

  /** Whether the 2fa page offers the user's number: they have one, and no stronger factor when fallback_only. */
  offeredAtSignIn({ ways }: FactorsForFallback): boolean {
    if ((ways.sms ?? 0) === 0) return false
    const stronger = Object.entries(ways).some(([id, count]) => id !== 'sms' && count > 0)
    return !(this.settings.fallbackOnly && stronger)
  }

  /** "123456 is your DemoPanel code. It expires in 5 minutes." Nothing else: no name, no link. */
  messageText(code: string): string {
    const validity = describeDuration(this.settings.codeTtlMs)
    return `${code} is your ${this.settings.issuer} code. It expires in ${validity}.`
  }

  /** The user's number; null when none is active. Rejects on a record that does not open. */
  async phoneOf(user: string): Promise<SmsPhone | null> {
    const [phone, useText] = await Promise.all([
      this.#readPhone(user),
      this.store.get(keys.smsPhoneUse(user)),
    ])
    if (phone === null) return null
    const use = useText === null ? null : storedPhoneUse.safeParse(safeJson(useText))
    // A time of use left by a sign-in with an earlier number is not this number's.
    const lastUsedAt = use?.success && use.data.phone === phone.id ? use.data.at : null
    return { number: phone.number, addedAt: phone.addedAt, lastUsedAt }
  }

  /** Makes `number` the user's (a code sent to it was entered); a sign-in code to the old one dies. */
  async setPhone(user: string, number: string): Promise<void> {
    const id = randomBytes(12).toString('base64url')
    const record = { id, number: this.#box.seal(number, user), addedAt: this.clock.now() }
    await this.store.set(keys.smsPhone(user), JSON.stringify(record))
    await Promise.all([
      this.store.delete(keys.smsPhoneUse(user)),
      this.store.delete(keys.smsCode(user, 'sign_in')),
    ])
  }

  /** True when the user had a number and it is gone. Whether it may go (last factor) is the caller's call. */
  async removePhone(user: string): Promise<boolean> {
    const had = (await this.store.get(keys.smsPhone(user))) !== null
    await Promise.all([
      this.store.delete(keys.smsPhone(user)),
      this.store.delete(keys.smsPhoneUse(user)),
      this.store.delete(keys.smsCode(user, 'sign_in')),
    ])
    return had
  }

  /** The code of this purpose waiting to be entered; null when there is none, or it has expired. */
  async outstanding(user: string, purpose: SmsPurpose): Promise<OutstandingCode | null> {
    const record = await this.#loadCode(user, purpose)
    if (record === null || this.clock.now() >= record.expiresAt) return null
    return { number: this.#openCodeNumber(record, user), sentAt: record.sentAt, expiresAt: record.expiresAt }
  }

  /** Milliseconds until another code of this purpose may be sent; 0 when it may now. */
  async resendInMs(user: string, purpose: SmsPurpose): Promise<number> {
    return (await this.store.ttl(keys.smsCooldown(user, purpose))) ?? 0
  }

  /** Sends a new code to `number` (E.164), replacing the user's outstanding code of this purpose. */
  async send(user: string, purpose: SmsPurpose, number: string): Promise<SendResult> {
    const { maxPerHour, resendAfterMs, codeTtlMs } = this.settings
    const counters = [keys.smsSentToUser(user), keys.smsSentToNumber(this.#numberHash(number))]
    const counts = await Promise.all(counters.map((key) => this.store.get(key)))
    const full = counters.filter((_, i) => Number(counts[i] ?? 0) >= maxPerHour)
    if (full.length > 0) {
      const waits = await Promise.all(full.map((key) => this.store.ttl(key)))
      return {
        ok: false,
        reason: 'hourly_limit',
        retryAfterMs: Math.max(...waits.map((ms) => ms ?? HOUR_MS)),
      }
    }
    // Claimed before sending, atomically: two clicks at once send one message.
    const cooldown = keys.smsCooldown(user, purpose)
    if (!(await this.store.setIfAbsent(cooldown, '1', resendAfterMs))) {
      return {
        ok: false,
        reason: 'too_soon',
        retryAfterMs: (await this.store.ttl(cooldown)) ?? resendAfterMs,
      }
    }
    const id = randomBytes(12).toString('base64url')
    const code = String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0')
    const delivery = await this.#deliver({ to: number, text: this.messageText(code), codeId: id })
    if (!delivery.ok) {
      // Nothing went out: the user may try again at once, and the old code (if any) stands.
      await this.store.delete(cooldown)
      return { ok: false, reason: 'not_delivered', detail: delivery.detail }
    }
    const sentAt = this.clock.now()
    const record: StoredCode = {
      id,
      hash: this.#hash(user, purpose, id, code),
      number: this.#box.seal(number, user),
      sentAt,
      expiresAt: sentAt + codeTtlMs,
    }
    await this.store.set(keys.smsCode(user, purpose), JSON.stringify(record), codeTtlMs + EXPIRED_GRACE_MS)
    await Promise.all(counters.map((key) => this.store.increment(key, HOUR_MS)))
    return { ok: true, expiresAt: record.expiresAt }
  }

  /**
   * Checks an entered code against the outstanding one of this purpose. Returns the number it was
   * sent to, once: the code is claimed with set-if-absent, atomic across gateways. A sign-in with the
   * user's number marks it used.
   */
  async verify(user: string, purpose: SmsPurpose, input: string): Promise<VerifyResult> {
    const record = await this.#loadCode(user, purpose)
    if (record === null) return { ok: false, reason: 'no_code', notAGuess: true }
    const now = this.clock.now()
    if (now >= record.expiresAt) return { ok: false, reason: 'expired', notAGuess: true }
    const code = withoutSeparators(input)
    if (!new RegExp(`^\\d{${CODE_DIGITS}}$`).test(code)) return { ok: false, reason: 'malformed' }
    const keepFor = record.expiresAt - now + EXPIRED_GRACE_MS
    const attempts = await this.store.increment(keys.smsAttempts(user, record.id), keepFor)
    if (attempts > MAX_ATTEMPTS) {
      await this.#drop(user, purpose, record.id)
      return { ok: false, reason: 'used_up' }
    }
    const expected = Buffer.from(record.hash)
    const given = Buffer.from(this.#hash(user, purpose, record.id, code))
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      const attemptsLeft = MAX_ATTEMPTS - attempts
      if (attemptsLeft > 0) return { ok: false, reason: 'wrong_code', attemptsLeft }
      await this.#drop(user, purpose, record.id)
      return { ok: false, reason: 'used_up' }
    }
    if (!(await this.store.setIfAbsent(keys.smsCodeUsed(user, record.id), '1', keepFor))) {
      return { ok: false, reason: 'replayed' }
    }
    await this.#drop(user, purpose, record.id)
    const number = this.#openCodeNumber(record, user)
    if (purpose === 'sign_in') await this.#markUsed(user, number, now)
    return { ok: true, number }
  }

  async #deliver(message: Parameters<Notifier['send']>[0]): Promise<Delivery> {
    try {
      return await this.notifier.send(message)
    } catch (error) {
      return {
        ok: false,
        detail: `${this.notifier.type}: ${error instanceof Error ? error.message : String(error)}`,
      }
    }
  }

  /**
   * Records the use on the number's own id, never by writing the number back: should it be changed or
   * removed meanwhile, a use left behind names a number that is gone, and phoneOf ignores it.
   */
  async #markUsed(user: string, number: string, at: number): Promise<void> {
    const phone = await this.#readPhone(user)
    if (phone === null || phone.number !== number) return
    await this.store.set(keys.smsPhoneUse(user), JSON.stringify({ phone: phone.id, at }))
  }

  /** The stored number, opened; null when none. */
  async #readPhone(user: string): Promise<{ id: string; number: string; addedAt: number } | null> {
    const text = await this.store.get(keys.smsPhone(user))
    if (text === null) return null
    const parsed = storedPhone.safeParse(safeJson(text))
    // An unreadable number must not read as "no factor enrolled" (DESIGN, State).
    if (!parsed.success) throw new Error(`text-message number of '${user}' is unreadable`)
    const number = this.#box.open(parsed.data.number, user)
    if (number === null)
      throw new Error(`text-message number of '${user}' cannot be decrypted with the configured key`)
    return { ...parsed.data, number }
  }

  /** Deletes the outstanding code unless a newer one has replaced it meanwhile. */
  async #drop(user: string, purpose: SmsPurpose, id: string): Promise<void> {
    const current = await this.#loadCode(user, purpose)
    if (current?.id === id) await this.store.delete(keys.smsCode(user, purpose))
  }

  async #loadCode(user: string, purpose: SmsPurpose): Promise<StoredCode | null> {
    const text = await this.store.get(keys.smsCode(user, purpose))
    if (text === null) return null
    const parsed = storedCode.safeParse(safeJson(text))
    // A record that does not parse cannot be checked: as good as no code (the user asks for another).
    return parsed.success ? parsed.data : null
  }

  #openCodeNumber(record: StoredCode, user: string): string {
    const number = this.#box.open(record.number, user)
    if (number === null)
      throw new Error(`text-message code of '${user}' cannot be decrypted with the configured key`)
    return number
  }

  #hash(user: string, purpose: SmsPurpose, id: string, code: string): string {
    return createHmac('sha256', this.#codeKey)
      .update(`${user}\0${purpose}\0${id}\0${code}`)
      .digest('base64url')
  }

  /** Keyed, so the per-number counters in the store do not list the numbers. */
  #numberHash(number: string): string {
    return createHmac('sha256', this.#numberKey).update(number).digest('base64url')
  }
}

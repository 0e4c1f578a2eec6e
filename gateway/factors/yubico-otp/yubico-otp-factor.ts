import type { Clock } from '../../deps.ts'
import { keys } from '../../store/keys.ts'
import type { Store } from '../../store/store.ts'
import type { Refusal } from '../verdict.ts'
import { type CloudFailure, type CloudSettings, CloudValidation } from './cloud-validation.ts'
import { checkKeyMaterial, type KeyMaterial } from './key-material.ts'
import { type LocalFailure, LocalValidation } from './local-validation.ts'
import { type ParsedOtp, parseOtp } from './otp.ts'
import { StoredYubiKeys, type YubicoOtpKeyRecord } from './stored-yubikeys.ts'

/** `factors.yubico_otp`: who validates the OTPs. */
export type YubicoOtpSettings = { mode: 'local' } | { mode: 'cloud'; cloud: CloudSettings }

export type YubicoOtpFailure =
  | 'malformed'
  | 'invalid_name'
  | 'unknown_key'
  | 'already_registered'
  | 'invalid_key'
  | LocalFailure
  | CloudFailure

/** `detail` is for the log only; the user gets one message per reason. */
export type Failure<Reason extends YubicoOtpFailure = YubicoOtpFailure> = Refusal<Reason> & { detail: string }

export type EnrollResult = { ok: true; key: YubicoOtpKeyRecord } | Failure
export type VerifyResult = { ok: true; publicId: string } | Failure
export type RenameResult = { ok: true } | Failure<'unknown_key' | 'invalid_name'>
export type ImportResult =
  | { ok: true; publicId: string }
  | Failure<'invalid_key' | 'invalid_name' | 'already_registered'>

const DEFAULT_NAME = 'YubiKey'
const MAX_NAME_LENGTH = 64

/**
 * Failures that are the validation service's or the configuration's, not the person's: show "YubiKey
 * validation is unavailable, use another factor", and do not count them as a wrong code.
 */
export function isServiceFailure(reason: YubicoOtpFailure): boolean {
  return serviceFailures.has(reason)
}
const serviceFailures = new Set<YubicoOtpFailure>([
  'unavailable',
  'bad_response',
  'backend_error',
  'not_enough_answers',
  'replayed_request',
  'bad_signature',
  'missing_parameter',
  'no_such_client',
  'operation_not_allowed',
])

/**
 * YubiKey OTP (Yubico OTP mode) as a second factor: a tap types a 44-character OTP whose first 12
 * characters, the public id, name the key. Each user may have several keys; a public id belongs to
 * one user, claimed with set-if-absent as security keys claim credential ids.
 *
 * `cloud` mode asks YubiCloud or self-hosted ykval servers, which refuse replays themselves. `local`
 * mode decrypts the OTP here with the key's imported AES key and refuses replays by its counters
 * (gateway/factors/yubico-otp/local-validation.ts). An OTP of a key that is not the user's is refused
 * before it is sent anywhere, so it is not used up. Store failures reject; callers fail closed.
 */
export class YubicoOtpFactor {
  readonly #cloud: CloudValidation | null
  readonly #local: LocalValidation
  readonly #stored: StoredYubiKeys
  readonly #keys: StoredYubiKeys['records']

  constructor(
    readonly settings: YubicoOtpSettings,
    private readonly store: Store,
    private readonly clock: Clock,
    masterKey: string,
  ) {
    this.#cloud = settings.mode === 'cloud' ? new CloudValidation(settings.cloud) : null
    this.#local = new LocalValidation(store, masterKey)
    this.#stored = new StoredYubiKeys(store)
    this.#keys = this.#stored.records
  }

  /**
   * The user's keys, oldest first; [] when none. Rejects on an unreadable record, never reads it as
   * "no keys": a lost enrollment must not downgrade the user to "no factor enrolled" (DESIGN, State).
   */
  async keysOf(user: string): Promise<YubicoOtpKeyRecord[]> {
    const records = await this.#keys.list(user)
    return records
      .map(({ details, use }) => ({ ...details, ...use }))
      .sort((a, b) => a.createdAt - b.createdAt || (a.publicId < b.publicId ? -1 : 1))
  }

  /**
   * Local mode: stores a key's private id and AES key for `user` (an operator's import, e.g. from the
   * Personalization Tool's log) and reserves its public id for them. The key becomes one of the user's
   * keys when they enroll it with a tap, which proves they hold it.
   */
  async importKey(user: string, input: KeyMaterial & { name?: string }): Promise<ImportResult> {
    if (this.settings.mode !== 'local') throw new Error('YubiKey secrets are imported only in local mode')
    const checked = checkKeyMaterial(input)
    if (!checked.ok) return failure('invalid_key', checked.error)
    const name = keyName(input.name ?? '')
    if (name === null) return failure('invalid_name', `name longer than ${MAX_NAME_LENGTH} characters`)
    const material = checked.material
    const owned = await this.#claim(user, material.publicId)
    if (!owned.ok) return owned
    await this.#local.storeSecret(user, material, name, this.clock.now())
    await this.store.addMember(keys.yubicoOtpImported(user), material.publicId)
    return { ok: true, publicId: material.publicId }
  }

  /** Adds the key that typed `input` to the user's keys, once that OTP validates. */
  async enroll(user: string, input: string, name = ''): Promise<EnrollResult> {
    let label = keyName(name)
    if (label === null) return failure('invalid_name', `name longer than ${MAX_NAME_LENGTH} characters`)
    const otp = parseOtp(input)
    if (otp === null) return failure('malformed', 'not 32 to 48 modhex characters')
    if (otp.publicId === '') return failure('malformed', 'the OTP has no public id to recognise the key by')
    const { publicId } = otp
    if (await this.#keys.has(user, publicId)) {
      return failure('already_registered', `${publicId} is already one of the user's keys`)
    }
    const owner = await this.store.get(keys.yubicoOtpOwner(publicId))
    if (owner !== null && owner !== user) {
      return failure('already_registered', `${publicId} belongs to another user`)
    }
    if (this.settings.mode === 'local' && name.trim() === '') {
      label = (await this.#local.secretOf(publicId))?.name ?? label
    }
    const verdict = await this.#validate(otp)
    if (!verdict.ok) return verdict
    const owned = await this.#claim(user, publicId)
    if (!owned.ok) return owned

    // Checked again right before writing: a key enrolled meanwhile stays as it was.
    if (await this.#keys.has(user, publicId)) {
      return failure('already_registered', `${publicId} was enrolled meanwhile`)
    }
    const now = this.clock.now()
    const details = { publicId, name: label, createdAt: now }
    const use = { lastUsedAt: now }
    await this.#keys.add(user, publicId, { details, use })
    return { ok: true, key: { ...details, ...use } }
  }

  /** Checks a tap at sign-in: the OTP must come from one of the user's keys and validate. */
  async verify(user: string, input: string): Promise<VerifyResult> {
    const otp = parseOtp(input)
    if (otp === null) return failure('malformed', 'not 32 to 48 modhex characters')
    const { publicId } = otp
    // Read whole, so that an unreadable record rejects rather than reading as "not enrolled".
    if (publicId === '' || (await this.#keys.get(user, publicId)) === null) {
      const owner = publicId === '' ? null : await this.store.get(keys.yubicoOtpOwner(publicId))
      const whose = owner === null ? 'not enrolled' : owner === user ? 'not enrolled yet' : "another user's"
      return failure('unknown_key', `key '${publicId}' is ${whose}`)
    }
    const verdict = await this.#validate(otp)
    if (!verdict.ok) return verdict
    // Display only: two sign-ins with one key at the same moment leave one of the two times.
    if (!(await this.#keys.update(user, publicId, 'use', { lastUsedAt: this.clock.now() }))) {
      return failure('unknown_key', `key '${publicId}' was removed during the sign-in`)
    }
    return { ok: true, publicId }
  }

  async rename(user: string, publicId: string, name: string): Promise<RenameResult> {
    const label = keyName(name)
    if (label === null) return failure('invalid_name', `name longer than ${MAX_NAME_LENGTH} characters`)
    const stored = await this.#keys.get(user, publicId)
    const renamed =
      stored !== null &&
      (await this.#keys.update(user, publicId, 'details', { ...stored.details, name: label }))
    if (!renamed) return failure('unknown_key', `key '${publicId}' is not the user's`)
    return { ok: true }
  }

  /**
   * True when the key was the user's (listed or imported for them) and is gone, with its imported
   * secret. Whether it may go (last factor) is the caller's call.
   */
  remove(user: string, publicId: string): Promise<boolean> {
    return this.#stored.remove(user, publicId)
  }

  async #validate(otp: ParsedOtp): Promise<{ ok: true } | Failure> {
    const verdict = this.#cloud !== null ? await this.#cloud.verify(otp.otp) : await this.#local.validate(otp)
    if (verdict.ok) return { ok: true }
    const { reason, detail } = verdict
    // The service's or the configuration's failure, not the person's: no guess to count.
    return isServiceFailure(reason) ? { ok: false, reason, detail, notAGuess: true } : failure(reason, detail)
  }

  /** The public id for `user`: claimed now, or already theirs. */
  async #claim(user: string, publicId: string): Promise<{ ok: true } | Failure<'already_registered'>> {
    const ownerKey = keys.yubicoOtpOwner(publicId)
    if (await this.store.setIfAbsent(ownerKey, user)) return { ok: true }
    if ((await this.store.get(ownerKey)) === user) return { ok: true }
    return failure('already_registered', `${publicId} belongs to another user`)
  }
}

/** Trimmed, inner whitespace and control characters collapsed; the default when empty; null when too long. */
function keyName(input: string): string | null {
  const name = input.replace(/[\s\p{Cc}]+/gu, ' ').trim()
  if (name === '') return DEFAULT_NAME
  return [...name].length <= MAX_NAME_LENGTH ? name : null
}

function failure<Reason extends YubicoOtpFailure>(reason: Reason, detail: string): Failure<Reason> {
  return { ok: false, reason, detail }
}

import { createHmac, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { deriveKey, SecretBox } from '../../crypto/secret-box.ts'
import { safeJson } from '../../safe-json.ts'
import { keys } from '../../store/keys.ts'
import type { Store } from '../../store/store.ts'
import type { KeyMaterial } from './key-material.ts'
import type { ParsedOtp } from './otp.ts'
import { decryptToken, type TokenFields } from './token.ts'

const sealedSecret = z.object({
  privateId: z.string().regex(/^[0-9a-f]{12}$/),
  aesKey: z.string().regex(/^[0-9a-f]{32}$/),
  /** Who the key was imported for, and the name to list it under until the user picks one. */
  user: z.string(),
  name: z.string(),
  importedAt: z.number(),
})

export type ImportedSecret = z.infer<typeof sealedSecret>

export type LocalFailure = 'not_imported' | 'bad_otp' | 'replayed' | 'counter_regression'

export type LocalVerdict =
  | { ok: true; useCounter: number; sessionCounter: number }
  | { ok: false; reason: LocalFailure; detail: string }

/**
 * Outlives any gap between a claim and the counter write that follows it in the same request (the
 * store's commands time out after seconds); once that write is done, the counter check refuses the
 * value anyway, so the claim need not be kept for ever.
 */
const CLAIM_TTL_MS = 24 * 3_600_000

/**
 * Validates Yubico OTPs without a validation server: the key's AES key and private id are imported
 * (sealed at rest, the public id as associated data) and each OTP is decrypted and checked here.
 *
 * Replay defence, with only the Store's atomic set-if-absent and member sets (no compare-and-set):
 * 1. The counter value (useCtr, sessionCtr) of the OTP is claimed with set-if-absent. Of any number of
 *    gateways sharing the store, one claim wins, so one OTP value is accepted at most once.
 * 2. The claim's winner then reads the accepted values and refuses unless its value is above all of
 *    them, adds its value, and only then accepts. An older OTP arriving after a newer one was accepted
 *    therefore finds the newer value there and is refused.
 * 3. The record of accepted values is a member set, not a single "last" key: concurrent adds cannot
 *    overwrite each other, so its maximum never drops (a lost update of a plain key could lower it).
 *    Each writer then removes the values below the one it added; the largest value ever added is never
 *    removed (only a writer that added a larger one removes anything), so the set stays small and its
 *    maximum stays right.
 * Two different OTPs of one key checked at the same moment may both pass; each was typed by the key
 * and each is accepted once, which is all a counter can promise.
 *
 * The counters are kept per key material (a keyed hash of private id and AES key), not per public
 * id: re-importing the same key after a removal keeps them, so old OTPs stay refused, while a
 * reprogrammed key (new AES key, counters restarting low) starts afresh, and its new OTPs cannot
 * collide with old ones because old tokens do not decrypt under the new key.
 */
export class LocalValidation {
  readonly #box: SecretBox
  readonly #counterKey: Buffer

  constructor(
    private readonly store: Store,
    masterKey: string,
  ) {
    this.#box = new SecretBox(masterKey, 'yubico-otp keys')
    this.#counterKey = deriveKey(masterKey, 'tapgate yubico-otp counters')
  }

  /** Stores the key's secret for `user`, replacing any earlier one for the public id. */
  async storeSecret(user: string, material: KeyMaterial, name: string, now: number): Promise<void> {
    const record: ImportedSecret = {
      privateId: material.privateId,
      aesKey: material.aesKey,
      user,
      name,
      importedAt: now,
    }
    await this.store.set(
      keys.yubicoOtpSecret(material.publicId),
      this.#box.seal(JSON.stringify(record), material.publicId),
    )
  }

  /** The imported secret; null when none. Rejects when it no longer opens: that is not "no key". */
  async secretOf(publicId: string): Promise<ImportedSecret | null> {
    const sealed = await this.store.get(keys.yubicoOtpSecret(publicId))
    if (sealed === null) return null
    const text = this.#box.open(sealed, publicId)
    const parsed = text === null ? null : sealedSecret.safeParse(safeJson(text))
    if (!parsed?.success) {
      throw new Error(`YubiKey secret of '${publicId}' cannot be decrypted with the configured key`)
    }
    return parsed.data
  }

  /** The accepted counter values on record for the imported key (normally one: the last); for diagnostics. */
  async acceptedCounters(publicId: string): Promise<string[]> {
    const secret = await this.secretOf(publicId)
    if (secret === null) return []
    return this.store.members(keys.yubicoOtpCounters(publicId, this.#generation(secret)))
  }

  async validate(otp: ParsedOtp): Promise<LocalVerdict> {
    const { publicId } = otp
    const secret = await this.secretOf(publicId)
    if (secret === null) return failure('not_imported', `no AES key imported for public id ${publicId}`)
    const fields = decryptToken(otp.token, Buffer.from(secret.aesKey, 'hex'))
    if (fields === null) return failure('bad_otp', 'CRC check failed: the token was not made with this key')
    if (!timingSafeEqual(fields.privateId, Buffer.from(secret.privateId, 'hex'))) {
      return failure('bad_otp', 'the private id in the token does not match the imported one')
    }

    const counter = counterValue(fields)
    const generation = this.#generation(secret)
    const claimKey = keys.yubicoOtpCounterUsed(publicId, generation, counter)
    if (!(await this.store.setIfAbsent(claimKey, '1', CLAIM_TTL_MS))) {
      return failure('replayed', `counter ${describe(counter)} was already accepted`)
    }
    const countersKey = keys.yubicoOtpCounters(publicId, generation)
    const accepted = await this.store.members(countersKey)
    // Fixed-width lower-case hex: string order is numeric order (and members() comes sorted).
    const highest = accepted.at(-1) ?? ''
    if (highest !== '' && counter <= highest) {
      const reason = counter === highest ? 'replayed' : 'counter_regression'
      return failure(
        reason,
        `counter ${describe(counter)} is not above the last accepted ${describe(highest)}`,
      )
    }
    await this.store.addMember(countersKey, counter)
    await Promise.all(
      accepted.filter((value) => value < counter).map((value) => this.store.removeMember(countersKey, value)),
    )
    return { ok: true, useCounter: fields.useCounter, sessionCounter: fields.sessionCounter }
  }

  /** Names the key material without revealing it: a keyed hash, so a store dump cannot test guesses. */
  #generation(secret: ImportedSecret): string {
    return createHmac('sha256', this.#counterKey)
      .update(`${secret.privateId}:${secret.aesKey}`)
      .digest('base64url')
      .slice(0, 16)
  }
}

/** (useCtr, sessionCtr) as one number in 6 hex digits: 15 bits of use counter, 8 of session counter. */
export function counterValue(fields: Pick<TokenFields, 'useCounter' | 'sessionCounter'>): string {
  return ((fields.useCounter << 8) | fields.sessionCounter).toString(16).padStart(6, '0')
}

function describe(counter: string): string {
  const value = Number.parseInt(counter, 16)
  return `(use ${value >>> 8}, session ${value & 0xff})`
}

function failure(reason: LocalFailure, detail: string): LocalVerdict {
  return { ok: false, reason, detail }
}

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { deriveKey } from '../crypto/secret-box.ts'
import type { Clock } from '../deps.ts'
import { keys } from '../store/keys.ts'
import type { Store } from '../store/store.ts'
import { formatReadableCode, newReadableCode, readReadableCode } from './typed-code.ts'

const CODE_COUNT = 10

const codeSet = z.object({
  /** Random per set: a used-marker of an old set never blocks a code of a new one. */
  generation: z.string(),
  createdAt: z.number(),
  /** HMAC of each code. */
  hashes: z.array(z.string()),
  /** Slots used so far, for display; the used-markers in the store are what refuses a second use. */
  used: z.array(z.number().int()),
})

export type RecoveryVerdict =
  | { ok: true; remaining: number }
  | { ok: false; reason: 'malformed' | 'wrong_code' | 'replayed' | 'no_codes' }

/**
 * Ten single-use codes for the day every other factor is lost. Only keyed hashes are stored (HMAC
 * with a key derived from encryption_key: a store dump cannot even be brute-forced offline). A
 * code is used once: it is claimed with set-if-absent, atomic across gateway instances; the list
 * of used slots is then updated for display, so a lost update there can never make a code work twice.
 */
export class RecoveryCodes {
  readonly #key: Buffer

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    masterKey: string,
  ) {
    this.#key = deriveKey(masterKey, 'tapgate recovery codes')
  }

  /** A new set, replacing (and so revoking) the old one. Returns the codes, shown once, formatted. */
  async generate(user: string): Promise<string[]> {
    const codes = Array.from({ length: CODE_COUNT }, () => newReadableCode())
    await this.revoke(user)
    const generation = randomBytes(12).toString('base64url')
    const hashes = codes.map((c) => this.#hash(user, c))
    const record = { generation, createdAt: this.clock.now(), hashes, used: [] }
    await this.store.set(keys.recoveryCodes(user), JSON.stringify(record))
    return codes.map(formatReadableCode)
  }

  /** Codes left; null when the user never generated any. */
  async remaining(user: string): Promise<number | null> {
    const record = await this.#load(user)
    return record === null ? null : record.hashes.length - record.used.length
  }

  async redeem(user: string, input: string): Promise<RecoveryVerdict> {
    const code = readReadableCode(input)
    if (code === null) return { ok: false, reason: 'malformed' }
    const record = await this.#load(user)
    if (record === null) return { ok: false, reason: 'no_codes' }
    const candidate = Buffer.from(this.#hash(user, code))
    // Every stored hash is compared, so timing does not say which slot matched.
    let index = -1
    record.hashes.forEach((hash, i) => {
      if (timingSafeEqual(Buffer.from(hash), candidate)) index = i
    })
    if (index === -1) return { ok: false, reason: 'wrong_code' }
    const claimed = await this.store.setIfAbsent(keys.recoveryCodeUsed(user, record.generation, index), '1')
    if (!claimed) return { ok: false, reason: 'replayed' }
    const used = [...new Set([...record.used, index])]
    await this.store.set(keys.recoveryCodes(user), JSON.stringify({ ...record, used }))
    return { ok: true, remaining: record.hashes.length - used.length }
  }

  /** Removes the set and its used-markers (a new set, an admin reset). */
  async revoke(user: string): Promise<void> {
    const record = await this.#load(user)
    if (record === null) return
    await this.store.delete(keys.recoveryCodes(user))
    await Promise.all(
      record.hashes.map((_, i) => this.store.delete(keys.recoveryCodeUsed(user, record.generation, i))),
    )
  }

  async #load(user: string) {
    const text = await this.store.get(keys.recoveryCodes(user))
    if (text === null) return null
    return codeSet.parse(JSON.parse(text))
  }

  #hash(user: string, code: string): string {
    return createHmac('sha256', this.#key).update(`${user}\0${code}`).digest('base64url')
  }
}

import { createHmac, randomInt, timingSafeEqual } from 'node:crypto'
import { deriveKey } from '../crypto/secret-box.ts'
import type { Clock } from '../deps.ts'
import { refused, type Verdict } from '../factors/verdict.ts'
import { keys } from '../store/keys.ts'
import type { Store } from '../store/store.ts'

/** Crockford's base32: no I, L, O or U, so a code read over the phone is not misread. */
const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
/** 12 characters of 5 bits: 60 bits, typed as XXXX-XXXX-XXXX. */
const CODE_LENGTH = 12

// Not yet in store/keys.ts; built the same way (the username encoded, so no name forges another key).

/**
 * One-time codes an admin hands a user so that they may enroll their first factor when
 * `enrollment.first_enrollment` is `invite`: a stolen password alone then enrolls nothing. One code
 * per user at a time (issuing again replaces it), expiring, used once. Only a keyed hash is stored
 * (HMAC with a key derived from encryption_key), bound to the user, so a store dump reveals no code.
 */
export class EnrollmentInvites {
  readonly #key: Buffer

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    masterKey: string,
    private readonly ttlMs: number,
  ) {
    this.#key = deriveKey(masterKey, 'tapgate enrollment invites')
  }

  /** A new code for the user, replacing any earlier one; shown once, formatted. */
  async issue(user: string): Promise<string> {
    const code = Array.from({ length: CODE_LENGTH }, () => alphabet[randomInt(alphabet.length)]).join('')
    await this.store.set(keys.enrollmentInvite(user), this.#hash(user, code), this.ttlMs)
    return code.match(/.{4}/g)?.join('-') ?? code
  }

  /** When the user's outstanding code expires (ms since the epoch); null when there is none. */
  async expiresAt(user: string): Promise<number | null> {
    const left = await this.store.ttl(keys.enrollmentInvite(user))
    return left === null ? null : this.clock.now() + left
  }

  /** Accepted exactly once for the right code; a wrong guess leaves the code in place for its owner. */
  async redeem(user: string, input: string): Promise<Verdict<'wrong_code'>> {
    const code = normalizeInviteCode(input)
    if (code === null) return refused('wrong_code')
    const candidate = this.#hash(user, code)
    if (!sameHash(await this.store.get(keys.enrollmentInvite(user)), candidate)) return refused('wrong_code')
    // The take is what makes it single use: of two redemptions at once, only one gets the hash back.
    const taken = sameHash(await this.store.take(keys.enrollmentInvite(user)), candidate)
    return taken ? { ok: true } : refused('wrong_code')
  }

  /** Withdraws the user's code, if any (a reset, an enrollment that no longer needs it). */
  async revoke(user: string): Promise<void> {
    await this.store.delete(keys.enrollmentInvite(user))
  }

  #hash(user: string, code: string): string {
    return createHmac('sha256', this.#key).update(`${user}\0${code}`).digest('base64url')
  }
}

function sameHash(stored: string | null, candidate: string): boolean {
  if (stored === null) return false
  const a = Buffer.from(stored)
  const b = Buffer.from(candidate)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** Upper-cases, drops spaces and dashes, reads O as 0 and I/L as 1 (Crockford); null if not a code. */
export function normalizeInviteCode(input: string): string | null {
  if (input.length > 64) return null
  const code = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1')
  if (code.length !== CODE_LENGTH) return null
  for (const char of code) if (!alphabet.includes(char)) return null
  return code
}

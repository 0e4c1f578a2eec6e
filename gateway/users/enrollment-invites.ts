import { createHmac, timingSafeEqual } from 'node:crypto'
import { deriveKey } from '../crypto/secret-box.ts'
import type { Clock } from '../deps.ts'
import { formatReadableCode, newReadableCode, readReadableCode } from '../factors/typed-code.ts'
import { refused, type Verdict } from '../factors/verdict.ts'
import { keys } from '../store/keys.ts'
import type { Store } from '../store/store.ts'

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
    const code = newReadableCode()
    await this.store.set(keys.enrollmentInvite(user), this.#hash(user, code), this.ttlMs)
    return formatReadableCode(code)
  }

  /** When the user's outstanding code expires (ms since the epoch); null when there is none. */
  async expiresAt(user: string): Promise<number | null> {
    const left = await this.store.ttl(keys.enrollmentInvite(user))
    return left === null ? null : this.clock.now() + left
  }

  /** Accepted exactly once for the right code; a wrong guess leaves the code in place for its owner. */
  async redeem(user: string, input: string): Promise<Verdict<'wrong_code'>> {
    const code = readReadableCode(input)
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

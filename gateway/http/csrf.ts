import { createHmac, timingSafeEqual } from 'node:crypto'
import { deriveKey } from '../crypto/secret-box.ts'

/**
 * CSRF defence for every state-changing tapgate route, in two layers:
 * - the request must come from tapgate's own origin (Sec-Fetch-Site / Origin, when the browser sends them);
 * - it must carry a token bound to the session: HMAC(key, session id). Stateless, so no store
 *   round trip, and useless with any other session.
 */
export class CsrfGuard {
  readonly #key: Buffer

  constructor(
    masterKey: string,
    private readonly publicOrigin: string,
  ) {
    this.#key = deriveKey(masterKey, 'tapgate csrf')
  }

  tokenFor(sessionId: string): string {
    return createHmac('sha256', this.#key).update(sessionId).digest('base64url')
  }

  /** False for cross-site requests; requests from old browsers without either header pass to the token check. */
  isSameOrigin(secFetchSite: string | undefined, origin: string | undefined): boolean {
    if (secFetchSite !== undefined && secFetchSite !== 'same-origin' && secFetchSite !== 'none') return false
    if (origin !== undefined && origin !== this.publicOrigin) return false
    return true
  }

  /**
   * The browser says the form is its page's own (same-origin) from another origin than public_url's:
   * the page was opened at another address (`127.0.0.1` for `localhost`), not forged by another site.
   */
  openedElsewhere(secFetchSite: string | undefined, origin: string | undefined): boolean {
    return secFetchSite === 'same-origin' && origin !== undefined && origin !== this.publicOrigin
  }

  verify(sessionId: string, submitted: unknown): boolean {
    if (typeof submitted !== 'string') return false
    const expected = Buffer.from(this.tokenFor(sessionId))
    const actual = Buffer.from(submitted)
    return actual.length === expected.length && timingSafeEqual(actual, expected)
  }
}

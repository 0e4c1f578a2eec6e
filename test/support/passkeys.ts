import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import { expect } from 'vitest'
import { type BrowserClient, csrfMetaIn } from './browser-client.ts'
import type { AuthenticationOverrides, SoftAuthenticator } from './soft-authenticator.ts'

/**
 * The JSON calls web/passkey-sign-in.ts makes from tapgate's own sign-in page (first_factor.mode:
 * local, factors.webauthn.passwordless): to `<prefix>/login/passkey[/options]`, with the page's
 * `<meta name="csrf-token">` in `x-csrf-token` and the page's form cookie. The SoftAuthenticator
 * plays the browser's part, answering as if on the gateway's public origin.
 */
export class PasskeyCeremonies {
  constructor(
    readonly browser: BrowserClient,
    readonly csrf: string,
    readonly prefix = '/_tapgate',
  ) {}

  /** Opens the sign-in page (which sets the form cookie) and takes the token the script would read. */
  static async on(browser: BrowserClient, prefix = '/_tapgate'): Promise<PasskeyCeremonies> {
    const page = await browser.get(`${prefix}/login`)
    expect(page.status).toBe(200)
    return new PasskeyCeremonies(browser, csrfMetaIn(await page.text()), prefix)
  }

  post(endpoint: '' | '/options', body: unknown = {}, headers: Record<string, string> = {}) {
    return this.browser.postJson(`${this.prefix}/login/passkey${endpoint}`, body, {
      'x-csrf-token': this.csrf,
      ...headers,
    })
  }

  async options(): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const response = await this.post('/options')
    expect(response.status).toBe(200)
    return (await response.json()) as PublicKeyCredentialRequestOptionsJSON
  }

  /** The key's assertion to fresh options, as the browser would send it (not yet posted). */
  async assertion(key: SoftAuthenticator, overrides: AuthenticationOverrides = {}) {
    return key.authenticate(await this.options(), this.browser.publicOrigin, overrides)
  }

  /** A whole passkey sign-in: options, the key's assertion, and the verification call (returned). */
  async signIn(
    key: SoftAuthenticator,
    overrides: AuthenticationOverrides = {},
    fields: { trustDevice?: boolean; returnTo?: string } = {},
  ): Promise<Response> {
    return this.post('', { response: await this.assertion(key, overrides), ...fields })
  }
}

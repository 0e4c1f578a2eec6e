import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server'
import { expect } from 'vitest'
import { type BrowserClient, csrfMetaIn } from './browser-client.ts'
import { signInWithPassword } from './sign-in.ts'
import type {
  AuthenticationOverrides,
  RegistrationOverrides,
  SoftAuthenticator,
} from './soft-authenticator.ts'

/** What the ceremony endpoints answer: where to go next, or a refusal with the text the page shows. */
export interface CeremonyAnswer {
  redirect?: string
  error?: string
  message?: string
}

/**
 * The JSON calls web/webauthn.ts makes from one tapgate page: to `<prefix>/webauthn/…`, with the
 * page's `<meta name="csrf-token">` in `x-csrf-token`. The SoftAuthenticator plays the browser's
 * part, answering as if on the gateway's public origin.
 */
export class KeyCeremonies {
  constructor(
    readonly browser: BrowserClient,
    readonly csrf: string,
    readonly prefix = '/_tapgate',
  ) {}

  /** Opens `path` (the enrollment, 2fa or account page) and takes the token the script would read. */
  static async on(browser: BrowserClient, path: string): Promise<KeyCeremonies> {
    const page = await browser.get(path)
    expect(page.status).toBe(200)
    return new KeyCeremonies(browser, csrfMetaIn(await page.text()))
  }

  post(endpoint: string, body: unknown = {}): Promise<Response> {
    return this.browser.postJson(`${this.prefix}/webauthn/${endpoint}`, body, { 'x-csrf-token': this.csrf })
  }

  async registrationOptions(): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const response = await this.post('registration/options')
    expect(response.status).toBe(200)
    return (await response.json()) as PublicKeyCredentialCreationOptionsJSON
  }

  /** A whole registration: options, the key's answer, and the verification call (returned). */
  async register(key: SoftAuthenticator, name?: string, overrides: RegistrationOverrides = {}) {
    const response = await key.register(
      await this.registrationOptions(),
      this.browser.publicOrigin,
      overrides,
    )
    return this.post('registration', { response, ...(name === undefined ? {} : { name }) })
  }

  async authenticationOptions(): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const response = await this.post('authentication/options')
    expect(response.status).toBe(200)
    return (await response.json()) as PublicKeyCredentialRequestOptionsJSON
  }

  /** A whole authentication: options, the key's assertion, and the verification call (returned). */
  async authenticate(key: SoftAuthenticator, overrides: AuthenticationOverrides = {}) {
    const response = await key.authenticate(
      await this.authenticationOptions(),
      this.browser.publicOrigin,
      overrides,
    )
    return this.post('authentication', { response })
  }
}

export async function answerOf(response: Response): Promise<CeremonyAnswer> {
  return (await response.json()) as CeremonyAnswer
}

/**
 * Password, then a security key as the first factor from the enrollment page: a verified session,
 * sent on to its new recovery codes.
 */
export async function enrollSecurityKey(
  browser: BrowserClient,
  key: SoftAuthenticator,
  name = 'Security key',
  username = 'demo',
): Promise<void> {
  await signInWithPassword(browser, username)
  const done = await (await KeyCeremonies.on(browser, '/_tapgate/enroll')).register(key, name)
  expect(done.status).toBe(200)
  expect((await answerOf(done)).redirect).toBe('/_tapgate/recovery-codes')
}

/** Password, then the key on the 2fa page: a verified session for a user who has the key. */
export async function signInWithSecurityKey(
  browser: BrowserClient,
  key: SoftAuthenticator,
  username = 'demo',
): Promise<void> {
  await signInWithPassword(browser, username)
  const done = await (await KeyCeremonies.on(browser, '/_tapgate/2fa')).authenticate(key)
  expect(done.status).toBe(200)
  expect((await answerOf(done)).redirect).toBe('/dashboard')
}

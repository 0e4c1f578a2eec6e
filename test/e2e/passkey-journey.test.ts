import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hash } from '@node-rs/argon2'
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { argon2Options } from '../../gateway/first-factor/local-users.ts'
import { launchChromium } from '../support/chromium.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { saveScreenshot } from '../support/journey.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts'

/**
 * Issue 16, "Passkey sign-in in local mode", in real Chromium: tapgate's own sign-in page with
 * `factors.webauthn.passwordless`, the DevTools virtual authenticator a CTAP2 key that stores its
 * credentials (resident keys) and verifies its user. A user signs in with the password, adds the key
 * (registered as a passkey), signs out, and signs in again with "Sign in with a passkey" alone: no
 * username, no password, and the panel (a recording upstream) hears who. The bundled script,
 * @simplewebauthn/browser, the browser's own checks and tapgate's CSP all take part.
 *
 * @see issue 16 (passkey sign-in in local mode)
 */
let upstream: RecordingUpstream
let gateway: TestGateway
let browser: Browser
let dir: string

beforeAll(async () => {
  mkdirSync('test-artifacts/e2e', { recursive: true })
  dir = mkdtempSync(join(tmpdir(), 'tapgate-passkey-e2e-'))
  const usersFile = join(dir, 'users.yaml')
  const users = { alice: { password: await hash('alice-password', argon2Options), displayname: 'Alice' } }
  writeFileSync(usersFile, JSON.stringify({ users }))
  upstream = await startRecordingUpstream()
  gateway = await startTestGateway({
    upstreamUrl: upstream.url,
    publicHost: 'localhost',
    config: {
      first_factor: { mode: 'local', users_file: usersFile },
      factors: { webauthn: { passwordless: true } },
    },
  })
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await gateway?.close()
  await upstream?.close()
  await rm(dir, { recursive: true, force: true })
})

interface KeyedBrowser {
  context: BrowserContext
  page: Page
  cdp: CDPSession
  authenticatorId: string
  cspViolations: string[]
}

/** A fresh context with a virtual authenticator attached before the key API is ever called. */
async function browserWithPasskeyAuthenticator(): Promise<KeyedBrowser> {
  const context = await browser.newContext()
  const page = await context.newPage()
  const cspViolations: string[] = []
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) cspViolations.push(message.text())
  })
  const cdp = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable', { enableUI: false })
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'usb',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  })
  return { context, page, cdp, authenticatorId, cspViolations }
}

const loginPage = () => `${gateway.publicOrigin}/_tapgate/login?rd=${encodeURIComponent('/echo/dashboard')}`

/** What the recording panel says reached it: the echo page's JSON. */
async function panelEcho(page: Page): Promise<{ headers: Record<string, string> }> {
  return JSON.parse((await page.locator('body').textContent()) ?? '{}')
}

describe('a passkey on tapgate’s own sign-in page, in Chromium', () => {
  it('is added after a password sign-in, then signs in alone: no username, no password', async () => {
    const keyed = await browserWithPasskeyAuthenticator()
    const { page, cdp, authenticatorId } = keyed

    await page.goto(loginPage())
    // Conditional UI: the username field offers the browser's passkeys as the user types (where the
    // browser has autofill for them; headless Chromium says it has not, so the button is what is used).
    expect(await page.getByLabel('Username').getAttribute('autocomplete')).toBe('username webauthn')
    await saveScreenshot(page, 'passkey-1-sign-in')
    await page.getByLabel('Username').fill('alice')
    await page.getByLabel('Password').fill('alice-password')
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.waitForURL('**/_tapgate/enroll**')
    await page.getByLabel('Name this key').fill('Laptop passkey')
    await page.getByRole('button', { name: 'Add security key' }).click()
    await page.waitForURL('**/_tapgate/recovery-codes')
    await page.getByRole('button', { name: 'I have saved my codes, continue' }).click()
    await page.waitForURL('**/echo/dashboard')
    expect((await panelEcho(page)).headers['remote-user']).toBe('alice')

    // The key holds the credential with its user: a passkey, found without a username.
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
    expect(credentials).toHaveLength(1)
    expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' })

    await page.goto(`${gateway.publicOrigin}/_tapgate/logout`)
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL('**/_tapgate/login')
    await page.goto(`${gateway.publicOrigin}/echo/dashboard`)
    expect(new URL(page.url()).pathname).toBe('/_tapgate/login')

    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await page.waitForURL('**/echo/dashboard')
    expect((await panelEcho(page)).headers['remote-user']).toBe('alice')
    await saveScreenshot(page, 'passkey-2-signed-in', { fullPage: false })

    const history = await gateway.services.history.of('alice')
    expect(history.slice(0, 2)).toMatchObject([
      { event: 'second_factor', factor: 'passkey', result: 'success' },
      { event: 'first_factor', factor: 'passkey', result: 'success' },
    ])
    const passwords = history.filter((entry) => entry.factor === 'password')
    expect(passwords).toHaveLength(1)

    // The same key, once it can no longer check who holds it (no PIN, no fingerprint): no sign-in.
    await page.goto(`${gateway.publicOrigin}/_tapgate/logout`)
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL('**/_tapgate/login')
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false })
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    const status = page.locator('#key-status')
    await expect.poll(() => status.getAttribute('data-state')).toBe('error')
    expect(await page.getByRole('button', { name: 'Sign in with a passkey' }).isEnabled()).toBe(true)
    await saveScreenshot(page, 'passkey-3-not-verified')
    await page.goto(`${gateway.publicOrigin}/echo/dashboard`)
    expect(new URL(page.url()).pathname).toBe('/_tapgate/login')
    expect(keyed.cspViolations).toEqual([])
    await keyed.context.close()
  })
})

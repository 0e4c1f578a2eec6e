import type { BrowserContext, CDPSession, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { saveRecoveryCodes, saveScreenshot, useJourney } from '../support/journey.ts'

/**
 * The security-key journey in a real browser: Chromium with the DevTools virtual authenticator (a
 * CTAP2 USB key that verifies the user and is touched automatically) runs web/webauthn.ts under
 * tapgate's CSP, so what the HTTP-level tests take on trust is exercised here: the bundled script,
 * @simplewebauthn/browser, the browser's own origin and RP ID checks, and the status region a user
 * reads. A browser without the key cannot pass. Screenshots of each step land in test-artifacts/e2e/
 * (not committed). public_url is http://localhost:<port>, since an IP address is not a valid RP ID.
 */
const journey = useJourney({ publicHost: 'localhost' })

interface KeyedBrowser {
  context: BrowserContext
  page: Page
  cdp: CDPSession
  authenticatorId: string
  /** Console messages about Content Security Policy violations. */
  cspViolations: string[]
}

/**
 * A fresh context (its own cookies) whose page has a virtual authenticator attached before the key
 * API is ever called: without one, Chromium may close the page. It starts with no credentials.
 */
async function browserWithAuthenticator(): Promise<KeyedBrowser> {
  const context = await journey.browser.newContext()
  const { page, cspViolations } = await journey.openPage(context)
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

async function credentialsOn({ cdp, authenticatorId }: KeyedBrowser) {
  return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials
}

/** The user's keys as tapgate stored them. */
async function storedKeys(user: string): Promise<{ name: string; counter: number }[]> {
  return (await journey.gateway.services.webauthn?.credentialsOf(user)) ?? []
}

/** Password, then "Add security key" on the enrollment page, until the panel's dashboard shows. */
async function enrollKey(page: Page, user: string, name: string) {
  await journey.signIn(page, '**/_tapgate/enroll', user)
  await page.getByLabel('Name this key').fill(name)
  await page.getByRole('button', { name: 'Add security key' }).click()
  await saveRecoveryCodes(page)
}

describe('a user with a security key in Chromium', () => {
  it('enrolls "Blue YubiKey" after the panel password, then signs in again with a tap', async () => {
    const keyed = await browserWithAuthenticator()
    const { page } = keyed

    await journey.signIn(page, '**/_tapgate/enroll')
    await page.getByLabel('Name this key').fill('Blue YubiKey')
    await saveScreenshot(page, 'key-1-enroll')
    await page.getByRole('button', { name: 'Add security key' }).click()
    await saveRecoveryCodes(page)
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Welcome, demo')
    await saveScreenshot(page, 'key-2-dashboard', { fullPage: false })
    const [credential] = await credentialsOn(keyed)
    expect(credential?.rpId).toBe('localhost')
    expect(await storedKeys('demo')).toMatchObject([{ name: 'Blue YubiKey' }])

    await journey.signInAgain(page)
    expect(await page.getByLabel('Authentication code').count()).toBe(0)
    await saveScreenshot(page, 'key-3-2fa')
    await page.getByRole('button', { name: 'Use security key' }).click()
    await page.waitForURL('**/dashboard')
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Welcome, demo')
    await saveScreenshot(page, 'key-4-signed-in', { fullPage: false })
    // The counter tapgate keeps is the one the key reports: the sign-in was the key's, and counted.
    const [used] = await credentialsOn(keyed)
    expect(used?.signCount).toBeGreaterThan(credential?.signCount ?? Number.POSITIVE_INFINITY)
    expect((await storedKeys('demo'))[0]?.counter).toBe(used?.signCount)

    await page.goto(`${journey.gateway.publicOrigin}/_tapgate/account`)
    await expect.poll(() => page.getByRole('heading', { level: 3 }).textContent()).toBe('Blue YubiKey')
    await saveScreenshot(page, 'key-5-account')
    expect(keyed.cspViolations).toEqual([])
    await keyed.context.close()
  })

  it('cannot pass the second step from a second browser that has the password but not the key', async () => {
    const owner = await browserWithAuthenticator()
    await enrollKey(owner.page, 'alice', 'Alice key')
    await owner.context.close()

    // An authenticator is attached (so the page stays open) but holds no credential for tapgate.
    const intruder = await browserWithAuthenticator()
    const { page } = intruder
    await journey.signIn(page, '**/_tapgate/2fa', 'alice')
    await page.getByRole('button', { name: 'Use security key' }).click()
    const status = page.locator('#key-status')
    await expect.poll(() => status.getAttribute('data-state')).toBe('error')
    // The browser refuses before tapgate is asked: no credential on this authenticator is listed.
    await expect.poll(() => status.textContent()).toMatch(/cancelled or timed out\. Try again/)
    expect(await page.getByRole('button', { name: 'Use security key' }).isEnabled()).toBe(true)
    await saveScreenshot(page, 'key-6-no-key')
    expect(await credentialsOn(intruder)).toEqual([])

    await page.goto(`${journey.gateway.publicOrigin}/dashboard`)
    expect(new URL(page.url()).pathname).toBe('/_tapgate/2fa')
    const signIns = journey.gateway.logs.filter((l) => l.event === 'second_factor' && l.user === 'alice')
    expect(signIns.map((l) => l.result)).toEqual(['success'])
    expect(intruder.cspViolations).toEqual([])
    await intruder.context.close()
  })
})

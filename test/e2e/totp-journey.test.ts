import { describe, expect, it } from 'vitest'
import {
  journeyArtifacts as artifacts,
  cspViolationsOf,
  saveRecoveryCodes,
  signInOnPanel,
  useJourney,
} from '../support/journey.ts'
import { totpCode } from '../support/totp-codes.ts'

/**
 * The whole journey in a real browser: what HTTP-level tests cannot see (a browser's Origin and
 * Referrer rules, the CSP, form submission and redirects) is exercised here. Screenshots of each
 * step land in test-artifacts/e2e/ (not committed).
 */
const journey = useJourney()

describe('a user in Chromium', () => {
  it('enrolls an authenticator app after the panel password, then signs in again with a code', async () => {
    const { gateway } = journey
    const page = await journey.browser.newPage()
    const cspViolations = cspViolationsOf(page)

    await signInOnPanel(page, gateway.url)
    await page.waitForURL('**/_tapgate/enroll')
    await page.screenshot({ path: `${artifacts}/1-enroll.png`, fullPage: true })
    const secret = ((await page.locator('code.secret').textContent()) ?? '').replaceAll(' ', '')
    await page.getByLabel('Enter the code to confirm').fill(await totpCode(secret, gateway.clock))
    await page.getByRole('button', { name: 'Turn on two-step verification' }).click()
    await page.waitForURL('**/_tapgate/recovery-codes')
    await page.screenshot({ path: `${artifacts}/2-recovery-codes.png`, fullPage: true })
    await saveRecoveryCodes(page)
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Welcome, demo')
    await page.screenshot({ path: `${artifacts}/3-dashboard.png` })

    await page.getByRole('link', { name: 'Log out' }).click()
    await page.waitForURL('**/login')
    await signInOnPanel(page, gateway.url)
    await page.waitForURL('**/_tapgate/2fa')
    await page.getByLabel('Authentication code').fill('000000')
    await page.getByRole('button', { name: 'Verify' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not correct')
    await page.screenshot({ path: `${artifacts}/4-wrong-code.png`, fullPage: true })

    gateway.clock.advance(30_000)
    await page.getByLabel('Authentication code').fill(await totpCode(secret, gateway.clock))
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.waitForURL('**/dashboard')
    expect(cspViolations).toEqual([])
  })

  it('cannot reach the dashboard from a second browser that only knows the password', async () => {
    const context = await journey.browser.newContext()
    const page = await context.newPage()
    await signInOnPanel(page, journey.gateway.url)
    await page.waitForURL('**/_tapgate/**')
    await page.goto(`${journey.gateway.url}/dashboard`)
    expect(new URL(page.url()).pathname).toMatch(/^\/_tapgate\//)
    await context.close()
  })
})

import { describe, expect, it } from 'vitest'
import { enrollAuthenticatorApp, saveRecoveryCodes, saveScreenshot, useJourney } from '../support/journey.ts'
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
    const { page, cspViolations } = await journey.openPage()

    await journey.signIn(page, '**/_tapgate/enroll')
    await saveScreenshot(page, '1-enroll')
    const secret = await enrollAuthenticatorApp(page, gateway.clock)
    await page.waitForURL('**/_tapgate/recovery-codes')
    await saveScreenshot(page, '2-recovery-codes')
    await saveRecoveryCodes(page)
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Welcome, demo')
    await saveScreenshot(page, '3-dashboard', { fullPage: false })

    await journey.signInAgain(page)
    await page.getByLabel('Authentication code').fill('000000')
    await page.getByRole('button', { name: 'Verify' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not correct')
    await saveScreenshot(page, '4-wrong-code')

    gateway.clock.advance(30_000)
    await page.getByLabel('Authentication code').fill(await totpCode(secret, gateway.clock))
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.waitForURL('**/dashboard')
    expect(cspViolations).toEqual([])
  })

  it('cannot reach the dashboard from a second browser that only knows the password', async () => {
    const context = await journey.browser.newContext()
    const page = await context.newPage()
    await journey.signIn(page, '**/_tapgate/**')
    await page.goto(`${journey.gateway.url}/dashboard`)
    expect(new URL(page.url()).pathname).toMatch(/^\/_tapgate\//)
    await context.close()
  })
})

import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { enrollAuthenticatorApp, saveRecoveryCodes, saveScreenshot, useJourney } from '../support/journey.ts'
import { totpCode } from '../support/totp-codes.ts'

/**
 * Recovery codes and trusted devices in a real browser: enroll an app, keep the recovery codes,
 * sign in with one of them, trust the browser, sign in again without a code, revoke the browser on
 * the account page, and be asked for a code at the next sign-in. Screenshots in test-artifacts/e2e/.
 */
const journey = useJourney()

describe('a user who loses their phone, then trusts a browser', () => {
  it('signs in with a recovery code, trusts the browser, revokes it, and is asked again', async () => {
    const { gateway } = journey
    // A browser in New York: the account page's times are shown in its zone, the UTC on hover.
    const newYork = await journey.browser.newContext({ timezoneId: 'America/New_York', locale: 'en-US' })
    const { page, cspViolations } = await journey.openPage(newYork)
    const logOut = async () => {
      await page.goto(`${gateway.url}/logout`)
      await page.waitForURL('**/login')
    }

    await journey.signIn(page, '**/_tapgate/enroll')
    const secret = await enrollAuthenticatorApp(page, gateway.clock)
    const codes = await saveRecoveryCodes(page)
    expect(codes).toHaveLength(10)

    // The phone is gone: a recovery code gets the user in, and says how many are left.
    await logOut()
    await journey.signIn(page, '**/_tapgate/2fa')
    // The app is what the page shows first; the recovery code is one link away (issue 16).
    expect(await page.getByLabel('Authentication code').count()).toBe(1)
    const otherWays = page.getByRole('navigation', { name: 'Try another way' })
    await otherWays.getByRole('link', { name: 'Use a recovery code' }).click()
    await page.waitForURL('**/_tapgate/2fa?method=recovery_code')
    expect(await page.getByLabel('Authentication code').count()).toBe(0)
    await page.getByLabel('Recovery code').fill(codes[0] as string)
    await page.getByRole('button', { name: 'Sign in with recovery code' }).click()
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('You used a recovery code')
    expect(await page.locator('.notice-text').textContent()).toContain('You have 9 recovery codes left.')
    await saveScreenshot(page, 'trust-1-recovery-code-used')
    await page.getByRole('link', { name: 'Continue to the panel' }).click()
    await page.waitForURL('**/dashboard')

    // Back with the app: this time the browser is trusted.
    await logOut()
    await journey.signIn(page, '**/_tapgate/2fa')
    gateway.clock.advance(30_000)
    await page.getByLabel('Authentication code').fill(await totpCode(secret, gateway.clock))
    await page.getByLabel('Trust this device for 30 days').check()
    await saveScreenshot(page, 'trust-2-ticked')
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.waitForURL('**/dashboard')

    await logOut()
    await journey.signIn(page, '**/dashboard')
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Welcome, demo')

    // Revoked on the account page, the browser is asked for a code again.
    await page.goto(`${gateway.url}/_tapgate/account`)
    await expect.poll(() => page.locator('.device-name').textContent()).toContain('This device')
    await expectLocalTime(page)
    await saveScreenshot(page, 'trust-3-account')
    await page.getByRole('button', { name: 'Revoke', exact: true }).click()
    await page.waitForURL('**/_tapgate/account?notice=device_revoked')
    expect(await page.locator('.device').count()).toBe(0)

    await logOut()
    await journey.signIn(page, '**/_tapgate/2fa')
    expect(cspViolations).toEqual([])
    await newYork.close()
  })
})

/**
 * The newest sign-in's time, rewritten by web/local-times.ts from UTC to New York's zone (EST in
 * November: UTC-5) in the browser's own way of writing it; the UTC stays in the title, for hover.
 */
async function expectLocalTime(page: Page): Promise<void> {
  const time = page.locator('#activity time[data-local-time]').first()
  const utc = (await time.getAttribute('title')) ?? ''
  expect(utc).toMatch(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC$/)
  await expect.poll(() => time.textContent()).not.toBe(utc)
  const shown = (await time.textContent()) ?? ''
  expect(shown).not.toContain('UTC')
  expect(shown).toMatch(/\b(EST|GMT-5)\b/)
  const at = new Date((await time.getAttribute('datetime')) ?? '')
  const hour = (at.getUTCHours() + 24 - 5) % 24
  const clock = `${String(hour % 12 || 12).padStart(2, '0')}:${String(at.getUTCMinutes()).padStart(2, '0')}`
  expect(shown).toContain(clock)
  expect(await time.getAttribute('title')).toBe(utc)
}

import { describe, expect, it } from 'vitest'
import { SoftYubiKey } from '../../demo/soft-yubikey.ts'
import { chooseWayToSetUp, saveRecoveryCodes, saveScreenshot, useJourney } from '../support/journey.ts'

/**
 * A YubiKey in OTP mode types its code as a keyboard would, then presses Enter: the browser types
 * the OTP into the enrollment page and the 2fa page exactly so, and lands on the dashboard. Local
 * mode, with the key's secret imported as an operator would (tapgate user add-yubikey).
 */
const journey = useJourney({ config: { factors: { yubico_otp: { enabled: true, mode: 'local' } } } })
const key = SoftYubiKey.random()

describe('a user with a YubiKey in Chromium', () => {
  it('enrolls the key with a tap, then signs in with another tap', async () => {
    const { gateway } = journey
    await gateway.services.yubicoOtp?.importKey('demo', key.identity)
    const { page, cspViolations } = await journey.openPage()

    await journey.signIn(page, '**/_tapgate/enroll')
    // The page leads with a security key (the strongest way); the YubiKey is one of the other ways.
    expect(await page.getByLabel('Name this YubiKey').count()).toBe(0)
    await chooseWayToSetUp(page, 'Use a YubiKey that types a code')
    await page.getByLabel('Name this YubiKey').fill('Keychain')
    await page.getByLabel('YubiKey', { exact: true }).click()
    await page.keyboard.type(key.tap())
    await page.keyboard.press('Enter')
    await saveRecoveryCodes(page)

    await journey.signInAgain(page)
    // The field has the focus already: touching the key is all a user does.
    await expect.poll(() => page.locator(':focus').getAttribute('id')).toBe('yubikey-otp')
    await saveScreenshot(page, 'yubikey-2fa')
    await page.keyboard.type(key.tap())
    await page.keyboard.press('Enter')
    await page.waitForURL('**/dashboard')
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Welcome, demo')

    await page.goto(`${gateway.url}/_tapgate/account`)
    await expect.poll(() => page.getByText('Keychain').count()).toBeGreaterThan(0)
    expect(cspViolations).toEqual([])
  })
})

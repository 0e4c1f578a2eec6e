import { describe, expect, it } from 'vitest'
import {
  chooseWayToSetUp,
  enrollAuthenticatorApp,
  saveRecoveryCodes,
  saveScreenshot,
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
    // The copy buttons write to the clipboard, and the test reads it back.
    const context = await journey.browser.newContext()
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gateway.publicOrigin })
    const { page, cspViolations } = await journey.openPage(context)
    const clipboard = () => page.evaluate<string>('navigator.clipboard.readText()')

    await journey.signIn(page, '**/_tapgate/enroll')
    await saveScreenshot(page, '1-enroll')
    await chooseWayToSetUp(page, 'Use an authenticator app')
    await saveScreenshot(page, '1-enroll-app')
    // On a computer the QR code is the way: the phone's link is neither shown nor announced.
    expect(await page.getByRole('link', { name: 'Open in authenticator app' }).count()).toBe(0)
    const shown = (await page.locator('code.secret').textContent()) ?? ''
    expect(shown).toMatch(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/)
    const copyKey = page.getByRole('button', { name: 'Copy key' })
    await copyKey.click()
    await expect.poll(() => page.locator('#key-copied').textContent()).toBe('Key copied to the clipboard.')
    expect(await page.locator('button[data-copy-status="key-copied"]').textContent()).toBe('Copied')
    expect(await clipboard()).toBe(shown.replaceAll(' ', ''))
    const secret = await enrollAuthenticatorApp(page, gateway.clock)
    await page.waitForURL('**/_tapgate/recovery-codes')
    await saveScreenshot(page, '2-recovery-codes')
    await page.getByRole('button', { name: 'Copy codes' }).click()
    await expect.poll(() => page.locator('#codes-copied').textContent()).toContain('copied')
    const copiedCodes = await clipboard()
    expect((await saveRecoveryCodes(page)).join('\n')).toBe(copiedCodes)
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
    await context.close()
  })

  it('on a phone, opens the key in the authenticator app instead of scanning it', async () => {
    const context = await journey.browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    })
    const { page, cspViolations } = await journey.openPage(context)
    await journey.signIn(page, '**/_tapgate/enroll', 'alice')
    await chooseWayToSetUp(page, 'Use an authenticator app')
    const open = page.getByRole('link', { name: 'Open in authenticator app' })
    expect(await open.isVisible()).toBe(true)
    const secret = ((await page.locator('code.secret').textContent()) ?? '').replaceAll(' ', '')
    const uri = new URL((await open.getAttribute('href')) ?? '')
    expect(uri.protocol).toBe('otpauth:')
    expect(uri.searchParams.get('secret')).toBe(secret)
    expect(decodeURIComponent(uri.pathname)).toMatch(/alice$/)
    // Not fullPage: Chromium drops the touch emulation (and so the media query) for a full-page capture.
    await open.scrollIntoViewIfNeeded()
    await saveScreenshot(page, '1-enroll-app-phone', { fullPage: false })
    expect(cspViolations).toEqual([])
    await context.close()
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

import { describe, expect, it } from 'vitest'
import { saveRecoveryCodes, saveScreenshot, useJourney } from '../support/journey.ts'
import { useSmsSink, webhookTo } from '../support/sms-sink.ts'

/**
 * Text messages in Chromium, as seeds 001 and 002 describe them: a number and "Send code" at
 * enrollment, then at each sign-in "Send code", the code from the message (read here from the
 * webhook receiver, as a phone would show it), and the dashboard.
 */
// Tapgate signs with the journey's FixedClock, which the receiver's freshness check must share.
const { sink } = await useSmsSink({ clock: () => journey.gateway.clock })

const journey = useJourney({
  config: {
    factors: {
      sms: {
        enabled: true,
        issuer: 'DemoPanel',
        notifier: webhookTo(sink),
      },
    },
  },
})

describe('a user who gets codes by text message, in Chromium', () => {
  it('enrolls a number, then signs in with a texted code', async () => {
    const { gateway } = journey
    const { page, cspViolations } = await journey.openPage()

    await journey.signIn(page, '**/_tapgate/enroll')
    await page.getByRole('link', { name: 'Get codes by text message' }).click()
    await page.getByLabel('Mobile number').fill('+44 7700 900123')
    let texted = sink.nextMessage()
    await page.getByRole('button', { name: 'Send code' }).click()
    await page.waitForURL('**/_tapgate/enroll/sms')
    const enrollment = await texted
    expect(enrollment.to).toBe('+447700900123')
    await page.getByLabel('Code', { exact: true }).fill(enrollment.code)
    await page.getByRole('button', { name: 'Turn on text messages' }).click()
    await saveRecoveryCodes(page)

    await journey.signInAgain(page)
    await expect.poll(() => page.getByText('+44 •••• ••23').count()).toBeGreaterThan(0)
    texted = sink.nextMessage()
    await page.getByRole('button', { name: 'Send code' }).click()
    const codeField = page.getByLabel('Code from the text message')
    await codeField.waitFor()
    // The page script holds "Resend code" back and counts down the wait.
    const resend = page.getByRole('button', { name: 'Resend code' })
    await expect.poll(() => resend.isDisabled()).toBe(true)
    expect(await page.locator('#resend-status').textContent()).toMatch(
      /^You can ask for a new code in \d+ seconds?\.$/,
    )
    await expect.poll(() => page.locator(':focus').getAttribute('id')).toBe('sms-code')
    await saveScreenshot(page, 'sms-2fa')
    await codeField.fill((await texted).code)
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.waitForURL('**/dashboard')
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Welcome, demo')

    await page.goto(`${gateway.url}/_tapgate/account`)
    await expect.poll(() => page.getByText('Codes go to').count()).toBeGreaterThan(0)
    expect(cspViolations).toEqual([])
  })
})

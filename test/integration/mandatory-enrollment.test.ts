import { describe, expect, it } from 'vitest'
import { BrowserClient, csrfMetaIn, csrfTokenIn } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { signInWithPassword } from '../support/sign-in.ts'

/**
 * Mandatory 2FA (seed 004): with `enrollment.grace_until`, a user without a factor may skip
 * enrollment until that date (a banner says until when) and not after it; `required: false` makes
 * it optional; `exempt_users` never asks. The test gateway's clock reads 2026-11-23.
 */
function gatewayWith(enrollment: Record<string, unknown>) {
  return useDemoGateway({ config: () => ({ enrollment }) })
}

async function enrollmentPage(browser: BrowserClient): Promise<string> {
  await signInWithPassword(browser)
  return (await browser.get('/_tapgate/enroll')).text()
}

describe('before grace_until', () => {
  const demo = gatewayWith({ grace_until: '2027-01-31' })

  it('lets a user skip enrollment, says until when, and lets them reach the panel', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    const page = await enrollmentPage(browser)
    expect(page).toContain('becomes required on <time datetime="2027-01-31T00:00:00.000Z">31 Jan 2027</time>')
    const skipped = await browser.postForm('/_tapgate/enroll/skip', { csrf: csrfTokenIn(page) })
    expect(skipped.status).toBe(303)
    expect(skipped.headers.get('location')).toBe('/dashboard')
    expect((await browser.get('/dashboard')).status).toBe(200)
    expect(demo.gateway.logs).toContainEqual(
      expect.objectContaining({ event: 'second_factor', factor: 'enrollment_skipped', user: 'demo' }),
    )
  })

  it('still refuses to skip without the CSRF token', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await enrollmentPage(browser)
    expect((await browser.postForm('/_tapgate/enroll/skip', {})).status).toBe(403)
  })
})

describe('after grace_until', () => {
  const demo = gatewayWith({ grace_until: '2026-11-01' })

  it('no longer offers or accepts skipping', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    const page = await enrollmentPage(browser)
    expect(page).not.toContain('/_tapgate/enroll/skip')
    expect(page).not.toContain('becomes required')
    // The page leads with a security key, so its one form-less token is the key script's.
    const refused = await browser.postForm('/_tapgate/enroll/skip', { csrf: csrfMetaIn(page) })
    expect(refused.status).toBe(403)
    expect((await browser.get('/dashboard')).headers.get('location')).toBe('/_tapgate/2fa')
  })
})

describe('optional enrollment', () => {
  const demo = gatewayWith({ required: false })

  it('offers skipping without a date', async () => {
    const page = await enrollmentPage(new BrowserClient(demo.gateway.url))
    expect(page).toContain('/_tapgate/enroll/skip')
    expect(page).not.toContain('becomes required')
  })
})

describe('the default', () => {
  const demo = gatewayWith({})

  it('requires enrollment: no skipping', async () => {
    const page = await enrollmentPage(new BrowserClient(demo.gateway.url))
    expect(page).not.toContain('/_tapgate/enroll/skip')
  })
})

describe('exempt users', () => {
  const demo = gatewayWith({ exempt_users: ['Demo'] })

  it('never asks an exempt service account for a second factor, and asks everyone else', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    expect((await signInWithPassword(browser)).headers.get('location')).toBe('/dashboard')
    expect((await browser.get('/dashboard')).status).toBe(200)
    const alice = new BrowserClient(demo.gateway.url)
    expect((await signInWithPassword(alice, 'alice')).headers.get('location')).toBe('/_tapgate/2fa')
  })
})

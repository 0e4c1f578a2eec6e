import { describe, expect, it } from 'vitest'
import { BrowserClient, csrfTokenIn, formActionIn, totpSecretIn } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { signInWithPassword } from '../support/sign-in.ts'
import { totpCode } from '../support/totp-codes.ts'

/**
 * Issue 17: a browser sent to the panel's login page from a protected page lands on that page once
 * both factors pass, not on the panel's default one; the page is checked like every redirect.
 */
const demo = useDemoGateway()
const returnCookie = 'tapgate_session_return'

/** The password, then the app set up: where the sign-in sends the browser. */
async function signInAndEnroll(browser: BrowserClient): Promise<string | null> {
  const login = await signInWithPassword(browser)
  expect(login.headers.get('location')).toBe('/_tapgate/2fa')
  const page = await (await browser.get('/_tapgate/enroll?method=totp')).text()
  const done = await browser.postForm(formActionIn(page), {
    csrf: csrfTokenIn(page),
    code: await totpCode(totpSecretIn(page), demo.gateway.clock),
  })
  expect(done.status).toBe(303)
  // New users see their recovery codes first; the page then goes on to where the sign-in was going.
  const codes = await browser.get(done.headers.get('location') ?? '')
  const saved = await browser.postForm('/_tapgate/recovery-codes/saved', {
    csrf: csrfTokenIn(await codes.text()),
  })
  return saved.headers.get('location')
}

describe('the page asked for before signing in', () => {
  it('is where the sign-in lands after both factors', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    const asked = await browser.get('/reports/monthly?month=11')
    expect(asked.status).toBe(302)
    expect(asked.headers.get('location')).toBe('/login')
    expect(browser.cookies.get(returnCookie)).toBe(encodeURIComponent('/reports/monthly?month=11'))

    expect(await signInAndEnroll(browser)).toBe('/reports/monthly?month=11')
    // Used up at the password step, and never shown to the panel.
    expect(browser.cookies.has(returnCookie)).toBe(false)
    expect(demo.panelSaw.some((line) => line.includes('month=11'))).toBe(false)
  })

  it("falls back to the panel's own page when the remembered one leaves the site", async () => {
    const browser = new BrowserClient(demo.gateway.url)
    browser.cookies.set(returnCookie, encodeURIComponent('//evil.example/phish'))
    expect(await signInAndEnroll(browser)).toBe('/dashboard')
  })

  it('is not remembered for an API client, which gets 401', async () => {
    const api = await fetch(`${demo.gateway.url}/reports/monthly`, { redirect: 'manual' })
    expect(api.status).toBe(401)
    expect(api.headers.getSetCookie()).toEqual([])
  })
})

import { describe, expect, it } from 'vitest'
import { BrowserClient } from '../support/browser-client.ts'
import { sessionCookieName, sessionPanelSuite, sessionPanelUsers } from '../support/session-panel.ts'
import { enrollTotp } from '../support/sign-in.ts'

/**
 * The panel's session as tapgate holds it, beyond the invariants (test/security/invariant-11…13):
 * the panel's own pages calling its bypassed API with the session, an integration allowed to sign in
 * by password from a known network, and a session cookie the panel's scripts must read.
 */
const suite = sessionPanelSuite()

async function gatewayWith({ panel_cookies, rules }: { panel_cookies?: unknown[]; rules?: unknown[] }) {
  return suite.gateway({ firstFactor: panel_cookies === undefined ? {} : { panel_cookies }, rules })
}

function panelSessionSet(response: Response): string[] {
  return response.headers.getSetCookie().filter((cookie) => cookie.startsWith(`${sessionCookieName}=`))
}

describe('a bypass path', () => {
  it("gets the held session when a verified user's page calls it, and none for a client without tapgate's cookie", async () => {
    const gateway = await gatewayWith({})
    const browser = new BrowserClient(gateway.url)
    await enrollTotp(browser, gateway.clock, 'alice')
    const fromPage = await browser.get('/api/whoami', { accept: 'application/json' })
    expect(await fromPage.json()).toEqual({ user: 'alice' })
    const fromScript = await fetch(`${gateway.url}/api/whoami`)
    expect(fromScript.status).toBe(401)
    expect(suite.panel.requests.at(-1)?.cookie).toBeUndefined()
  })

  it('with panel_cookies: pass, lets an integration sign in by password and keep the session', async () => {
    const gateway = await gatewayWith({
      rules: [
        { prefix: '/integration/', policy: 'bypass', panel_cookies: 'pass', networks: ['127.0.0.1/32'] },
      ],
    })
    const signIn = await fetch(`${gateway.url}/integration/login`, {
      method: 'POST',
      body: new URLSearchParams({ username: 'bob', password: sessionPanelUsers.bob as string }),
      redirect: 'manual',
    })
    expect(panelSessionSet(signIn)).toHaveLength(1)
  })
})

describe('a session cookie marked pass_to_browser', () => {
  it("reaches the browser once the sign-in is verified, while the panel still gets only tapgate's copy", async () => {
    const gateway = await gatewayWith({ panel_cookies: [{ name: sessionCookieName, pass_to_browser: true }] })
    const browser = new BrowserClient(gateway.url)
    const password = await browser.postForm('/login', { username: 'carol', password: 'carol-password' })
    expect(panelSessionSet(password)).toEqual([])
    browser.cookies.clear()
    await enrollTotp(browser, gateway.clock, 'carol')
    const copy = browser.cookies.get(sessionCookieName)
    expect(copy).toBe(suite.panel.issued.at(-1)?.sid)

    browser.cookies.set(sessionCookieName, 'forged')
    await browser.get('/dashboard')
    expect(suite.panel.requests.at(-1)?.cookie).toContain(`${sessionCookieName}=${copy}`)
    expect(suite.panel.requests.at(-1)?.cookie).not.toContain('forged')
  })
})

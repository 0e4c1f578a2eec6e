import { beforeAll, describe, expect, it } from 'vitest'
import { keys } from '../../gateway/store/keys.ts'
import { BrowserClient } from '../support/browser-client.ts'
import type { TestGateway } from '../support/gateway.ts'
import { sessionCookieName, sessionPanelSuite, sessionPanelUsers } from '../support/session-panel.ts'
import { enrollTotp } from '../support/sign-in.ts'

/**
 * DESIGN invariant 11: no panel session cookie ever reaches a browser, whatever the path, method or
 * verdict; a panel session cookie from a browser never reaches the panel. The panel here logs in
 * anyone who sends a username and password to any path by any method (as DokuWiki does), so every
 * way a login can reach it is tried.
 */
const suite = sessionPanelSuite()
let gateway: TestGateway

beforeAll(async () => {
  gateway = await suite.gateway({
    firstFactor: {
      // Deliberately narrow: a login sent on to any other page is judged a failure.
      success: { status: [302], set_cookie: sessionCookieName, location: '^/dashboard$' },
      logout_paths: ['/logout'],
    },
    rules: [
      { prefix: '/api/', policy: 'bypass' },
      { path: '/anon', policy: 'bypass' },
    ],
  })
})

function setsPanelSession(response: Response): boolean {
  return response.headers
    .getSetCookie()
    .some((cookie) => cookie.toLowerCase().startsWith(`${sessionCookieName}=`))
}

const alice = { username: 'alice', password: sessionPanelUsers.alice as string }

describe('a login, by any spelling of its path and any method, never gives the browser the panel session', () => {
  const query = `?${new URLSearchParams(alice)}`
  it.each([
    ['POST', '/login', true],
    ['POST', '/login/', true],
    ['POST', '/LOGIN', true],
    ['POST', '/login;jsessionid=x', true],
    ['POST', '/Login.', true],
    ['PUT', '/login', true],
    ['GET', `/login${query}`, false],
    ['DELETE', `/login/${query}`, false],
  ])('%s %s', async (method, path, withBody) => {
    const browser = new BrowserClient(gateway.url)
    const response = await browser.request(path, {
      method,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: gateway.publicOrigin },
      ...(withBody && { body: new URLSearchParams(alice).toString() }),
    })
    expect(setsPanelSession(response)).toBe(false)
    // Recognised as the login: the browser goes on to the second factor.
    expect({ status: response.status, location: response.headers.get('location') }).toEqual({
      status: 303,
      location: '/_tapgate/2fa',
    })
  })
})

describe('a panel answer that starts a session outside a sign-in tapgate checked', () => {
  it('is refused on a bypass path that accepts a password, body and all, and logged', async () => {
    const response = await fetch(`${gateway.url}/api/token`, {
      method: 'POST',
      body: new URLSearchParams(alice),
      redirect: 'manual',
    })
    expect(response.status).toBe(403)
    expect(setsPanelSession(response)).toBe(false)
    expect(gateway.logs.some((line) => line.event === 'panel_session_outside_login')).toBe(true)
  })

  it('is refused when the success rule calls it a failure, logged, and not counted against the user', async () => {
    const before = gateway.logs.length
    const response = await new BrowserClient(gateway.url).postForm('/login', { ...alice, next: '/settings' })
    expect(response.status).toBe(403)
    expect(response.headers.get('location')).toBeNull()
    expect(setsPanelSession(response)).toBe(false)
    expect(gateway.logs.slice(before).map((line) => line.event)).toContain('login_verdict_mismatch')
    expect(await gateway.store.get(keys.failuresOfUser('alice'))).toBeNull()
  })

  it('is only dropped when the visitor sent no credentials (a PHP panel’s session on its login page)', async () => {
    const response = await fetch(`${gateway.url}/anon`)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('anonymous')
    expect(setsPanelSession(response)).toBe(false)
  })

  it('is not there on a wrong password’s answer, which passes through and counts against the user', async () => {
    const response = await new BrowserClient(gateway.url).postForm('/login', {
      username: 'bob',
      password: 'wrong',
    })
    expect(response.headers.get('location')).toBe('/login?failed=1')
    expect(setsPanelSession(response)).toBe(false)
    expect(await gateway.store.get(keys.failuresOfUser('bob'))).toBe('1')
  })
})

describe('a verified session', () => {
  let browser: BrowserClient
  beforeAll(async () => {
    browser = new BrowserClient(gateway.url)
    await enrollTotp(browser, gateway.clock, 'alice')
  })

  it('reaches the panel with the session tapgate holds; the browser has only tapgate’s cookies', async () => {
    const page = await browser.get('/dashboard')
    expect(await page.text()).toContain('Welcome, <b>alice</b>')
    expect([...browser.cookies.keys()]).toEqual(['tapgate_session'])
  })

  it('keeps a rotated panel session to itself and uses it from then on', async () => {
    const rotated = await browser.get('/rotate')
    expect(rotated.status).toBe(200)
    expect(setsPanelSession(rotated)).toBe(false)
    const newest = suite.panel.issued.at(-1)
    expect(newest?.user).toBe('alice')
    await browser.get('/dashboard')
    expect(suite.panel.requests.at(-1)?.cookie).toContain(`${sessionCookieName}=${newest?.sid}`)
  })

  it('never passes on a panel session cookie the browser sends, in any spelling', async () => {
    const bobs = (await signInOnPanel('bob')).sid
    for (const spelling of ['sid', 'SID', 's%69d', 'sid[]', ' sid']) {
      await browser.get('/whoami', {
        cookie: `${spelling}=${bobs}; tapgate_session=${browser.cookies.get('tapgate_session')}`,
      })
      const reached = suite.panel.requests.at(-1)
      expect(reached?.cookie ?? '').not.toContain(bobs)
    }
  })

  it('ends with the panel logout, and the panel’s clearing cookie does not reach the browser either', async () => {
    const out = await browser.get('/logout')
    expect(out.status).toBe(302)
    expect(setsPanelSession(out)).toBe(false)
    expect((await browser.get('/dashboard')).headers.get('location')).toBe('/login')
  })
})

describe('a browser without a verified session', () => {
  it('cannot hand the panel a stolen session cookie, on a bypass or a two_factor path', async () => {
    const { sid } = await signInOnPanel('bob')
    const viaApi = await fetch(`${gateway.url}/api/whoami`, {
      headers: { cookie: `${sessionCookieName}=${sid}` },
    })
    expect(viaApi.status).toBe(401)
    expect(suite.panel.requests.at(-1)?.cookie).toBeUndefined()
    const viaPage = await fetch(`${gateway.url}/dashboard`, {
      headers: { cookie: `${sessionCookieName}=${sid}`, accept: 'text/html' },
      redirect: 'manual',
    })
    // The panel's login page shows its form: no "already signed in" loop.
    expect(viaPage.headers.get('location')).toBe('/login')
    const loginPage = await fetch(`${gateway.url}/login`, {
      headers: { cookie: `${sessionCookieName}=${sid}` },
    })
    expect(loginPage.status).toBe(200)
    expect(suite.panel.requests.at(-1)?.cookie).toBeUndefined()
  })
})

/** A session the panel issued to `user`, fetched straight from the panel (as an attacker who stole one would have it). */
async function signInOnPanel(user: string): Promise<{ sid: string }> {
  await fetch(`${suite.panel.url}/login`, {
    method: 'POST',
    body: new URLSearchParams({ username: user, password: sessionPanelUsers[user] as string }),
    redirect: 'manual',
  })
  const issued = suite.panel.issued.at(-1)
  if (issued?.user !== user) throw new Error(`the panel did not sign in ${user}`)
  return { sid: issued.sid }
}

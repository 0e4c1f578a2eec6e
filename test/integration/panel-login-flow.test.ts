import { describe, expect, it } from 'vitest'
import {
  BrowserClient,
  csrfTokenIn,
  formActionIn,
  otherWayToSetUpIn,
  totpSecretIn,
} from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import { totpCode } from '../support/totp-codes.ts'

const demo = useDemoGateway()

describe('panel login → second factor → panel', () => {
  it("keeps the panel's session from the browser; a new user reaches the panel after enrolling and proving a TOTP code", async () => {
    const browser = new BrowserClient(demo.gateway.url)
    expect((await browser.get('/login')).status).toBe(200)

    const login = await signInWithPassword(browser)
    expect(login.status).toBe(303)
    expect(login.headers.get('location')).toBe('/_tapgate/2fa')
    const released = login.headers.getSetCookie()
    expect(released).toHaveLength(1)
    expect(released[0]).toMatch(/^tapgate_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/)
    expect(browser.cookies.has('PANELSESSID')).toBe(false)

    const challenge = await browser.get('/_tapgate/2fa')
    expect(challenge.status).toBe(302)
    expect(challenge.headers.get('location')).toBe('/_tapgate/enroll')

    const enrollPage = await browser.get('/_tapgate/enroll')
    expect(enrollPage.status).toBe(200)
    // It leads with a security key; the app is one of the other ways to set up.
    const appWay = otherWayToSetUpIn(await enrollPage.text(), 'Use an authenticator app')
    const html = await (await browser.get(appWay)).text()
    expect(html).toContain('<svg')
    const secret = totpSecretIn(html)
    expect(formActionIn(html)).toBe('/_tapgate/enroll')
    // A reload offers the same secret: the user may already have scanned it.
    expect(totpSecretIn(await (await browser.get(appWay)).text())).toBe(secret)

    const wrong = await browser.postForm('/_tapgate/enroll', { csrf: csrfTokenIn(html), code: '000000' })
    expect(wrong.status).toBe(401)
    const refused = await wrong.text()
    expect(refused).toContain('role="alert"')
    // A refused code keeps the app on the page, though the page leads with a security key.
    expect(totpSecretIn(refused)).toBe(secret)

    const pendingToken = browser.cookies.get('tapgate_session')
    const done = await browser.postForm('/_tapgate/enroll', {
      csrf: csrfTokenIn(html),
      code: await totpCode(secret, demo.gateway.clock),
    })
    expect(done.status).toBe(303)
    expect(done.headers.get('location')).toBe('/_tapgate/recovery-codes')
    // The panel's session stays with tapgate (DESIGN invariant 11): the browser only gets tapgate's.
    const cookies = done.headers.getSetCookie()
    expect(cookies.some((c) => c.startsWith('PANELSESSID='))).toBe(false)
    expect(browser.cookies.has('PANELSESSID')).toBe(false)
    expect(browser.cookies.get('tapgate_session')).not.toBe(pendingToken)

    // The new recovery codes are shown once; "saved" goes on to where the panel was sending the user.
    const codes = await (await browser.get('/_tapgate/recovery-codes')).text()
    expect(codes.match(/<code>[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}<\/code>/g)).toHaveLength(10)
    const saved = await browser.postForm('/_tapgate/recovery-codes/saved', { csrf: csrfTokenIn(codes) })
    expect(saved.headers.get('location')).toBe('/dashboard')

    const dashboard = await browser.get('/dashboard')
    expect(dashboard.status).toBe(200)
    expect(await dashboard.text()).toContain('Welcome, demo')
  })

  it('asks an enrolled user for a code; a wrong or replayed code is refused, the next step is accepted', async () => {
    const first = new BrowserClient(demo.gateway.url)
    const secret = await enrollTotp(first, demo.gateway.clock)
    const usedCode = await totpCode(secret, demo.gateway.clock)

    const browser = new BrowserClient(demo.gateway.url)
    await signInWithPassword(browser)
    const challenge = await browser.get('/_tapgate/2fa')
    expect(challenge.status).toBe(200)
    const challengePage = await challenge.text()
    expect(formActionIn(challengePage)).toBe('/_tapgate/2fa')
    const csrf = csrfTokenIn(challengePage)

    const wrong = await browser.postForm('/_tapgate/2fa', {
      csrf,
      code: '123456' === usedCode ? '654321' : '123456',
    })
    expect(wrong.status).toBe(401)
    expect(await wrong.text()).toContain('not correct')

    const replayed = await browser.postForm('/_tapgate/2fa', { csrf, code: usedCode })
    expect(replayed.status).toBe(401)
    expect(await replayed.text()).toContain('already been used')

    const malformed = await browser.postForm('/_tapgate/2fa', { csrf, code: '12ab<script>' })
    expect(malformed.status).toBe(400)

    demo.gateway.clock.advance(30_000)
    const accepted = await browser.postForm('/_tapgate/2fa', {
      csrf,
      code: await totpCode(secret, demo.gateway.clock),
    })
    expect(accepted.status).toBe(303)
    expect((await browser.get('/dashboard')).status).toBe(200)
  })

  it('accepts a code pasted as apps show it, with a space or a dash in the middle (issue 16)', async () => {
    const secret = await enrollTotp(new BrowserClient(demo.gateway.url), demo.gateway.clock)
    for (const separator of [' ', '-']) {
      demo.gateway.clock.advance(30_000)
      const browser = new BrowserClient(demo.gateway.url)
      await signInWithPassword(browser)
      const csrf = csrfTokenIn(await (await browser.get('/_tapgate/2fa')).text())
      const code = await totpCode(secret, demo.gateway.clock)
      const pasted = `${code.slice(0, 3)}${separator}${code.slice(3)}`
      const accepted = await browser.postForm('/_tapgate/2fa', { csrf, code: pasted })
      expect(accepted.status, `"${pasted}"`).toBe(303)
    }
  })

  it('treats "Demo " and "demo" as one user: a case change cannot skip to enrolling a new factor', async () => {
    await enrollTotp(new BrowserClient(demo.gateway.url), demo.gateway.clock)
    const browser = new BrowserClient(demo.gateway.url)
    await signInWithPassword(browser, '  DEMO ')
    const challenge = await browser.get('/_tapgate/2fa')
    expect(challenge.status).toBe(200)
    expect(await challenge.text()).toContain('demo')
    const enroll2 = await browser.get('/_tapgate/enroll')
    expect(enroll2.status).toBe(303)
    expect(enroll2.headers.get('location')).toBe('/_tapgate/2fa')
  })

  it('passes a failed panel login back untouched and issues no session', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    const failed = await signInWithPassword(browser, 'demo', 'wrong')
    expect(failed.status).toBe(302)
    expect(failed.headers.get('location')).toBe('/login?failed=1')
    expect(failed.headers.getSetCookie()).toEqual([])
    expect(demo.gateway.logs.some((l) => l.event === 'first_factor' && l.result === 'wrong_password')).toBe(
      true,
    )
  })

  it('never lets a request to a two_factor path reach the panel without a verified session', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    const html = await browser.get('/dashboard')
    expect(html.status).toBe(302)
    expect(html.headers.get('location')).toBe('/login')
    const api = await fetch(`${demo.gateway.url}/dashboard`, { headers: { accept: 'application/json' } })
    expect(api.status).toBe(401)
    expect(await api.json()).toMatchObject({ error: 'unauthorized' })

    await signInWithPassword(browser)
    const pending = await browser.get('/dashboard')
    expect(pending.status).toBe(302)
    expect(pending.headers.get('location')).toBe('/_tapgate/2fa')
    expect(demo.panelSaw.filter((line) => line.includes('/dashboard'))).toEqual([])
  })

  it('passes API paths through with no session at all', async () => {
    const response = await fetch(`${demo.gateway.url}/api/status`, {
      headers: { authorization: 'Bearer demo-api-key' },
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ ok: true, path: '/api/status' })
  })

  it('ends the gateway session when the panel logout path is used', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await enrollTotp(browser, demo.gateway.clock)
    const logout = await browser.get('/logout')
    expect(logout.status).toBe(302)
    expect(logout.headers.getSetCookie().some((c) => c.startsWith('tapgate_session=;'))).toBe(true)
    expect(demo.panelSaw).toContain('GET /logout')
    const after = await browser.get('/dashboard')
    expect(after.headers.get('location')).toBe('/login')
  })

  it('ends a verified session after the idle timeout', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await enrollTotp(browser, demo.gateway.clock)
    expect((await browser.get('/dashboard')).status).toBe(200)
    demo.gateway.clock.advance(31 * 60_000)
    expect((await browser.get('/dashboard')).headers.get('location')).toBe('/login')
  })

  it('treats a malformed session cookie as no session', async () => {
    const response = await fetch(`${demo.gateway.url}/dashboard`, {
      headers: { accept: 'text/html', cookie: 'tapgate_session=%00%ff;;==; tapgate_session=x' },
      redirect: 'manual',
    })
    expect(response.status).toBe(302)
  })
})

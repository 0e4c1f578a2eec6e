import { describe, expect, it } from 'vitest'
import { BrowserClient, csrfTokenIn } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { startTestGateway } from '../support/gateway.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import { totpCode } from '../support/totp-codes.ts'

/**
 * DESIGN invariant 5: every state-changing tapgate request is CSRF-protected, and a refused request
 * changes nothing (the code it carried is still usable). Cookies carry the right attributes.
 */
const demo = useDemoGateway()

async function challengeFor(browser: BrowserClient) {
  const secret = await enrollTotp(new BrowserClient(demo.gateway.url), demo.gateway.clock)
  demo.gateway.clock.advance(30_000)
  await signInWithPassword(browser)
  const csrf = csrfTokenIn(await (await browser.get('/_tapgate/2fa')).text())
  return { csrf, code: await totpCode(secret, demo.gateway.clock) }
}

describe('cross-site requests to tapgate forms', () => {
  it.each([
    ['no token', (csrf: string) => ({ fields: {}, headers: {}, csrf })],
    ['a forged token', () => ({ fields: { csrf: 'A'.repeat(43) }, headers: {} })],
    ['another origin', (csrf: string) => ({ fields: { csrf }, headers: { origin: 'https://evil.example' } })],
    [
      'Sec-Fetch-Site: cross-site',
      (csrf: string) => ({ fields: { csrf }, headers: { 'sec-fetch-site': 'cross-site' } }),
    ],
  ])('are refused with %s, and the code stays unused', async (_, attack) => {
    const browser = new BrowserClient(demo.gateway.url)
    const { csrf, code } = await challengeFor(browser)
    const { fields, headers } = attack(csrf)
    const refused = await browser.postForm('/_tapgate/2fa', { ...fields, code }, headers)
    expect(refused.status).toBe(403)
    expect(refused.headers.getSetCookie()).toEqual([])
    const accepted = await browser.postForm('/_tapgate/2fa', { csrf, code })
    expect(accepted.status).toBe(303)
  })

  it('refuses the token of another session', async () => {
    const victim = new BrowserClient(demo.gateway.url)
    const { code } = await challengeFor(victim)
    const attacker = new BrowserClient(demo.gateway.url)
    await signInWithPassword(attacker, 'alice')
    const attackerToken = csrfTokenIn(await (await attacker.get('/_tapgate/enroll?method=totp')).text())
    expect((await victim.postForm('/_tapgate/2fa', { csrf: attackerToken, code })).status).toBe(403)
  })

  it('protects sign-out: a cross-site POST leaves the session alive', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await enrollTotp(browser, demo.gateway.clock)
    expect((await browser.postForm('/_tapgate/logout', {})).status).toBe(403)
    expect((await browser.get('/dashboard')).status).toBe(200)
    const csrf = csrfTokenIn(await (await browser.get('/_tapgate/logout')).text())
    expect((await browser.postForm('/_tapgate/logout', { csrf })).status).toBe(303)
    expect((await browser.get('/dashboard')).headers.get('location')).toBe('/login')
  })
})

describe('session cookie attributes', () => {
  it('is HttpOnly and SameSite=Lax on http', async () => {
    const login = await signInWithPassword(new BrowserClient(demo.gateway.url))
    expect(login.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^tapgate_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax$/),
    ])
  })

  it('is __Host- prefixed and Secure when the public URL is https', async () => {
    const gateway = await startTestGateway({
      upstreamUrl: demo.panel.url,
      config: { public_url: 'https://panel.example.com' },
    })
    try {
      const login = await signInWithPassword(new BrowserClient(gateway.url))
      expect(login.headers.getSetCookie()).toEqual([
        expect.stringMatching(/^__Host-tapgate_session=[\w-]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax$/),
      ])
    } finally {
      await gateway.close()
    }
  })
})

import { describe, expect, it } from 'vitest'
import { BrowserClient, csrfTokenIn } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import { totpCode } from '../support/totp-codes.ts'

/**
 * DESIGN invariant 8: failed attempts are regulated per user and per client IP (defaults: 5 failures
 * in 10 minutes ban for 15 minutes); lockouts are logged once, and the page says so plainly without
 * telling which part was wrong.
 */
const demo = useDemoGateway()

describe('regulation', () => {
  it('locks a user out after five wrong codes, even for the right code, until the ban ends', async () => {
    const secret = await enrollTotp(new BrowserClient(demo.gateway.url), demo.gateway.clock)
    demo.gateway.clock.advance(30_000)
    const browser = new BrowserClient(demo.gateway.url)
    await signInWithPassword(browser)
    const csrf = csrfTokenIn(await (await browser.get('/_tapgate/2fa')).text())
    const good = await totpCode(secret, demo.gateway.clock)
    const wrong = good === '111111' ? '222222' : '111111'
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await browser.postForm('/_tapgate/2fa', { csrf, code: wrong })).status).toBe(401)
    }
    const locked = await browser.postForm('/_tapgate/2fa', { csrf, code: good })
    expect(locked.status).toBe(429)
    expect(await locked.text()).toContain('Too many attempts')
    expect(demo.gateway.logs.filter((l) => l.event === 'lockout').map((l) => l.subject)).toEqual([
      'user',
      'ip',
    ])

    // The panel password step is refused too while the ban lasts: the panel is not even asked.
    demo.panelSaw.length = 0
    expect((await signInWithPassword(new BrowserClient(demo.gateway.url))).status).toBe(429)
    expect(demo.panelSaw).toEqual([])

    demo.gateway.clock.advance(15 * 60_000)
    const again = new BrowserClient(demo.gateway.url)
    await signInWithPassword(again)
    const freshCsrf = csrfTokenIn(await (await again.get('/_tapgate/2fa')).text())
    const accepted = await again.postForm('/_tapgate/2fa', {
      csrf: freshCsrf,
      code: await totpCode(secret, demo.gateway.clock),
    })
    expect(accepted.status).toBe(303)
  })

  it('locks a client IP that sprays passwords across users, whatever X-Forwarded-For it claims', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const browser = new BrowserClient(demo.gateway.url)
      const failed = await browser.postForm(
        '/login',
        { username: `user${attempt}`, password: 'guess' },
        { 'x-forwarded-for': `198.51.100.${attempt}` },
      )
      expect(failed.status).toBe(302)
    }
    const locked = await signInWithPassword(new BrowserClient(demo.gateway.url), 'alice')
    expect(locked.status).toBe(429)
    expect(demo.gateway.logs.filter((l) => l.event === 'lockout')).toMatchObject([
      { subject: 'ip', ip: '127.0.0.1' },
    ])
  })
})

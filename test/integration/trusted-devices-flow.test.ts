import { describe, expect, it } from 'vitest'
import { keys } from '../../gateway/store/keys.ts'
import { BrowserClient, csrfTokenIn } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import { totpCode } from '../support/totp-codes.ts'

/**
 * "Trust this device for 30 days" over HTTP: the mark lets that user's next panel login skip the
 * second factor on that browser only; it never works for another user, ends when it expires, when
 * revoked from the account page, and when the user's factors change. The panel never sees it.
 */
const demo = useDemoGateway({ config: () => ({ trusted_devices: { lifetime: '30d' } }) })
const day = 86_400_000

/** Signs in with password and a fresh TOTP code, ticking "Trust this device" when asked. */
async function verifyWithCode(browser: BrowserClient, secret: string, trust: boolean) {
  const page = await (await browser.get('/_tapgate/2fa')).text()
  demo.gateway.clock.advance(30_000)
  const form = { csrf: csrfTokenIn(page), code: await totpCode(secret, demo.gateway.clock) }
  const done = await browser.postForm('/_tapgate/2fa', trust ? { ...form, trust_device: 'yes' } : form)
  expect(done.status).toBe(303)
  return done
}

/** A user with an app, signed out again: the browser holds no session, only (maybe) a mark. */
async function enrolledAndSignedOut(browser: BrowserClient, user = 'demo'): Promise<string> {
  const secret = await enrollTotp(browser, demo.gateway.clock, user)
  await browser.get('/logout')
  return secret
}

describe('trusted devices', () => {
  it('lets a trusted browser skip the second factor for 30 days, and no longer', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    const secret = await enrolledAndSignedOut(browser)
    await signInWithPassword(browser)
    const done = await verifyWithCode(browser, secret, true)
    const mark = done.headers.getSetCookie().find((c) => c.startsWith('tapgate_device='))
    expect(mark).toMatch(
      /^tapgate_device=[A-Za-z0-9_-]{43}; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/,
    )
    await browser.get('/logout')

    const again = await signInWithPassword(browser)
    expect(again.headers.get('location')).toBe('/dashboard')
    expect(again.headers.getSetCookie().some((c) => c.startsWith('PANELSESSID='))).toBe(false)
    expect((await browser.get('/dashboard')).status).toBe(200)
    expect(demo.panelSaw.filter((line) => line.startsWith('GET /dashboard'))).toHaveLength(1)
    expect(demo.gateway.logs).toContainEqual(
      expect.objectContaining({
        event: 'second_factor',
        factor: 'trusted_device',
        result: 'success',
        user: 'demo',
      }),
    )

    await browser.get('/logout')
    demo.gateway.clock.advance(30 * day + 1)
    expect((await signInWithPassword(browser)).headers.get('location')).toBe('/_tapgate/2fa')
  })

  it('never sends the mark to the panel', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    const secret = await enrolledAndSignedOut(browser)
    await signInWithPassword(browser)
    await verifyWithCode(browser, secret, true)
    const seen: string[] = []
    demo.panel.server.on('request', (req) => seen.push(req.headers.cookie ?? ''))
    await browser.get('/dashboard')
    await browser.get('/logout')
    await signInWithPassword(browser)
    expect(seen.length).toBeGreaterThan(1)
    for (const cookie of seen) {
      expect(cookie).not.toContain('tapgate_device')
      expect(cookie).not.toContain('tapgate_session')
    }
  })

  it('does not vouch for another user on the same browser, nor without the box ticked', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    const demoSecret = await enrolledAndSignedOut(browser, 'demo')
    await signInWithPassword(browser, 'demo')
    await verifyWithCode(browser, demoSecret, true)
    await browser.get('/logout')

    const other = new BrowserClient(demo.gateway.url)
    await enrolledAndSignedOut(other, 'alice')
    other.cookies.set('tapgate_device', browser.cookies.get('tapgate_device') ?? '')
    expect((await signInWithPassword(other, 'alice')).headers.get('location')).toBe('/_tapgate/2fa')

    const unticked = new BrowserClient(demo.gateway.url)
    await signInWithPassword(unticked, 'demo')
    const done = await verifyWithCode(unticked, demoSecret, false)
    expect(done.headers.getSetCookie().some((c) => c.startsWith('tapgate_device='))).toBe(false)
  })

  it('lists the device on the account page, revokes it, and then asks for the code again', async () => {
    const browser = new BrowserClient(demo.gateway.url, undefined, {
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
    })
    const secret = await enrolledAndSignedOut(browser)
    await signInWithPassword(browser)
    await verifyWithCode(browser, secret, true)
    const account = await (await browser.get('/_tapgate/account')).text()
    expect(account).toContain('Firefox on Linux')
    expect(account).toContain('This device')
    const id = /name="id" value="([A-Za-z0-9_-]{43})"/.exec(
      account.slice(account.indexOf('devices-title')),
    )?.[1]
    const revoked = await browser.postForm('/_tapgate/account/devices/revoke', {
      csrf: csrfTokenIn(account),
      id: id ?? '',
    })
    expect(revoked.headers.get('location')).toBe('/_tapgate/account?notice=device_revoked')
    expect(await demo.gateway.store.members(keys.trustedDevicesOf('demo'))).toEqual([])

    await browser.get('/logout')
    expect((await signInWithPassword(browser)).headers.get('location')).toBe('/_tapgate/2fa')
  })

  it('revokes every mark when the user changes their factors', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    const secret = await enrolledAndSignedOut(browser)
    await signInWithPassword(browser)
    await verifyWithCode(browser, secret, true)
    const account = await (await browser.get('/_tapgate/account')).text()
    await browser.postForm('/_tapgate/account/recovery-codes', { csrf: csrfTokenIn(account) })
    expect(await demo.gateway.store.members(keys.trustedDevicesOf('demo'))).toEqual([])
    await browser.get('/logout')
    expect((await signInWithPassword(browser)).headers.get('location')).toBe('/_tapgate/2fa')
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SoftYubiKey } from '../../demo/soft-yubikey.ts'
import { BrowserClient, csrfTokenIn, recoveryCodesIn, totpSecretIn } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import { totpCode } from '../support/totp-codes.ts'

/**
 * The authenticator app on the account page: set up after enrollment was skipped (which brings
 * recovery codes, as a first enrollment does), moved to a new phone (the old app works until a code
 * from the new one is confirmed, and stops at once after), and removed while another way in remains.
 * Each change needs a recent second factor and ends every trusted device.
 */
let enrollmentRequired = true
const demo = useDemoGateway({
  config: () => ({
    enrollment: { required: enrollmentRequired },
    factors: { yubico_otp: { enabled: true, mode: 'local' } },
  }),
})
const minute = 60_000

async function accountCsrf(browser: BrowserClient): Promise<string> {
  return csrfTokenIn(await (await browser.get('/_tapgate/account')).text())
}

/** The new secret offered on the app page, and that page's CSRF token. */
async function offeredApp(browser: BrowserClient) {
  const page = await (await browser.get('/_tapgate/account/app')).text()
  return { page, secret: totpSecretIn(page), csrf: csrfTokenIn(page) }
}

async function signInWithCode(browser: BrowserClient, secret: string) {
  await signInWithPassword(browser)
  const page = await (await browser.get('/_tapgate/2fa')).text()
  return browser.postForm('/_tapgate/2fa', {
    csrf: csrfTokenIn(page),
    code: await totpCode(secret, demo.gateway.clock),
  })
}

describe('moving to a new authenticator app', () => {
  it('keeps the old app until a code from the new one is confirmed, then only the new one works', async () => {
    const { clock } = demo.gateway
    const browser = new BrowserClient(demo.gateway.url)
    const oldSecret = await enrollTotp(browser, clock)

    const offered = await offeredApp(browser)
    expect(offered.page).toContain('<h1 class="title">Move to a new authenticator app</h1>')
    expect(offered.secret).not.toBe(oldSecret)
    expect((await offeredApp(browser)).secret).toBe(offered.secret)
    const wrong = await browser.postForm('/_tapgate/account/app', { csrf: offered.csrf, code: '000000' })
    expect(wrong.status).toBe(401)
    expect(await demo.gateway.services.totp.secretOf('demo')).toBe(oldSecret)

    clock.advance(30_000)
    const moved = await browser.postForm('/_tapgate/account/app', {
      csrf: offered.csrf,
      code: await totpCode(offered.secret, clock),
    })
    expect(moved.headers.get('location')).toBe('/_tapgate/account?notice=app_replaced')
    const [change] = await demo.gateway.services.history.of('demo')
    expect(change).toMatchObject({ event: 'factor_changed', factor: 'totp', result: 'replaced' })
    expect((await offeredApp(browser)).secret).not.toBe(offered.secret)

    await browser.get('/logout')
    clock.advance(30_000)
    expect((await signInWithCode(browser, oldSecret)).status).toBe(401)
    expect((await signInWithCode(browser, offered.secret)).headers.get('location')).toBe('/dashboard')
  })

  it("accepts the new app's first code in the same 30 s as the old app's code that signed in (issue 16)", async () => {
    const { clock } = demo.gateway
    const browser = new BrowserClient(demo.gateway.url)
    const oldSecret = await enrollTotp(browser, clock)
    await browser.get('/logout')
    clock.advance(30_000)
    expect((await signInWithCode(browser, oldSecret)).headers.get('location')).toBe('/dashboard')

    // No time passes: the new secret's code is for the step the old one just used.
    const offered = await offeredApp(browser)
    const moved = await browser.postForm('/_tapgate/account/app', {
      csrf: offered.csrf,
      code: await totpCode(offered.secret, clock),
    })
    expect(moved.headers.get('location')).toBe('/_tapgate/account?notice=app_replaced')
    // Each code still works once: the new app's code again is a replay.
    await browser.get('/logout')
    expect((await signInWithCode(browser, offered.secret)).status).toBe(401)
  })

  it('asks for a recent second factor first, and refuses a form without its CSRF token', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    const secret = await enrollTotp(browser, demo.gateway.clock)
    demo.gateway.clock.advance(5 * minute + 1)

    const page = await browser.get('/_tapgate/account/app')
    expect(page.headers.get('location')).toBe('/_tapgate/2fa')
    const confirmed = await browser.postForm('/_tapgate/2fa', {
      csrf: csrfTokenIn(await (await browser.get('/_tapgate/2fa')).text()),
      code: await totpCode(secret, demo.gateway.clock),
    })
    expect(confirmed.headers.get('location')).toBe('/_tapgate/account/app')

    const forged = await browser.postForm('/_tapgate/account/app', { code: '123456' })
    expect(forged.status).toBe(403)
    expect((await browser.postForm('/_tapgate/account/app/remove', {})).status).toBe(403)
    expect(await demo.gateway.services.totp.secretOf('demo')).toBe(secret)
  })
})

describe('setting up an app after skipping enrollment', () => {
  // Read by the per-test gateway, which starts after this suite's beforeAll.
  beforeAll(() => {
    enrollmentRequired = false
  })
  afterAll(() => {
    enrollmentRequired = true
  })

  it('turns the app on from the account page and shows recovery codes, as a first enrollment does', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await signInWithPassword(browser)
    const enroll = await (await browser.get('/_tapgate/enroll')).text()
    const skipped = await browser.postForm('/_tapgate/enroll/skip', { csrf: csrfTokenIn(enroll) })
    expect(skipped.headers.get('location')).toBe('/dashboard')

    const account = await (await browser.get('/_tapgate/account')).text()
    expect(account).toContain('Set up an app')
    const offered = await offeredApp(browser)
    expect(offered.page).toContain('<h1 class="title">Set up an authenticator app</h1>')
    const done = await browser.postForm('/_tapgate/account/app', {
      csrf: offered.csrf,
      code: await totpCode(offered.secret, demo.gateway.clock),
    })
    expect(done.headers.get('location')).toBe('/_tapgate/recovery-codes')
    expect(recoveryCodesIn(await (await browser.get('/_tapgate/recovery-codes')).text())).toHaveLength(10)

    await browser.get('/logout')
    await signInWithPassword(browser)
    expect((await browser.get('/dashboard')).headers.get('location')).toBe('/_tapgate/2fa')
  })
})

describe('removing the app', () => {
  it('refuses to remove the only way in, and removes it once a YubiKey is there', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await enrollTotp(browser, demo.gateway.clock)
    const alone = await browser.postForm('/_tapgate/account/app/remove', { csrf: await accountCsrf(browser) })
    expect(alone.status).toBe(400)
    expect(await alone.text()).toContain('You cannot remove your only way to sign in.')

    const key = SoftYubiKey.random()
    await demo.gateway.services.yubicoOtp?.importKey('demo', key.identity)
    const added = await browser.postForm('/_tapgate/account/yubikeys/add', {
      csrf: await accountCsrf(browser),
      name: 'Keychain',
      otp: key.tap(),
    })
    expect(added.headers.get('location')).toBe('/_tapgate/account?notice=yubikey_added')
    const removed = await browser.postForm('/_tapgate/account/app/remove', {
      csrf: await accountCsrf(browser),
    })
    expect(removed.headers.get('location')).toBe('/_tapgate/account?notice=app_removed')
    expect(await demo.gateway.services.totp.secretOf('demo')).toBeNull()
    const [change] = await demo.gateway.services.history.of('demo')
    expect(change).toMatchObject({ event: 'factor_changed', factor: 'totp', result: 'removed' })
  })
})

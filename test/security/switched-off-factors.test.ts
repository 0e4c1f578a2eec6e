import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type DemoPanel, startDemoPanel } from '../../demo/panel.ts'
import { SoftYubiKey } from '../../demo/soft-yubikey.ts'
import { enrolledFactors } from '../../gateway/factors/enrolled-factors.ts'
import { tokenId } from '../../gateway/session/token.ts'
import { resetSecondFactors } from '../../gateway/users/reset-user.ts'
import { BrowserClient, csrfTokenIn } from '../support/browser-client.ts'
import { FixedClock } from '../support/clock.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { enrollSecurityKey } from '../support/security-keys.ts'
import { signInWithPassword } from '../support/sign-in.ts'
import { testNumber, webhookSecret } from '../support/sms-sink.ts'
import { SoftAuthenticator } from '../support/soft-authenticator.ts'
import { type TempSqliteStore, tempSqliteStore } from '../support/temp-sqlite-store.ts'

/**
 * Issue 14: an operator turns a factor type off (security keys, YubiKeys) or takes a user off the
 * text-message allow-list. A user whose only factor is of that type must not look like one with no
 * factor: else anyone with their password enrolls a factor of their own at the next sign-in. They are
 * refused with a page that says why, and an admin's reset lets them enroll afresh.
 */
let panel: DemoPanel
let clock: FixedClock
let sqlite: TempSqliteStore
let gateway: TestGateway | undefined

beforeAll(async () => {
  panel = await startDemoPanel()
})
afterAll(() => panel.close())
beforeEach(() => {
  clock = new FixedClock(Date.now())
  sqlite = tempSqliteStore(clock)
})
afterEach(() => gateway?.close())

/** The gateway (re)started on the one store with `config`, as an operator restarts after an edit. */
async function restartWith(config: Record<string, unknown>): Promise<TestGateway> {
  await gateway?.close()
  gateway = await startTestGateway({
    upstreamUrl: panel.url,
    clock,
    store: sqlite.reopen(),
    config,
    publicHost: 'localhost',
  })
  return gateway
}

const browserFor = (g: TestGateway) => new BrowserClient(g.url, g.publicOrigin)

const sms = (allowed: string) => ({
  enabled: true,
  notifier: { type: 'webhook', url: 'http://127.0.0.1:9/sms', secret: webhookSecret },
  allow: { users: [allowed] },
})

const cases = [
  {
    name: 'security keys turned off',
    before: {},
    after: { factors: { webauthn: { enabled: false } } },
    async enroll(g: TestGateway) {
      await enrollSecurityKey(browserFor(g), new SoftAuthenticator())
    },
  },
  {
    name: 'YubiKeys turned off',
    before: { factors: { yubico_otp: { enabled: true, mode: 'local' } } },
    after: {},
    async enroll(g: TestGateway) {
      const key = SoftYubiKey.random()
      const { publicId, privateId, aesKey } = key
      expect((await g.services.yubicoOtp?.importKey('demo', { publicId, privateId, aesKey }))?.ok).toBe(true)
      const browser = browserFor(g)
      await signInWithPassword(browser)
      const page = await (await browser.get('/_tapgate/enroll?method=yubico_otp')).text()
      const done = await browser.postForm('/_tapgate/enroll/yubikey', {
        csrf: csrfTokenIn(page),
        otp: key.tap(),
      })
      expect(done.headers.get('location')).toBe('/_tapgate/recovery-codes')
    },
  },
  {
    name: 'text messages no longer allowed for the user',
    before: { factors: { sms: sms('demo') } },
    after: { factors: { sms: sms('alice') } },
    async enroll(g: TestGateway) {
      await g.services.sms?.setPhone('demo', testNumber)
    },
  },
]

describe.each(cases)('a user whose only factor is of a type switched off: $name', (type) => {
  it('is refused with a page that says why, and cannot enroll a factor with the password alone', async () => {
    await type.enroll(await restartWith(type.before))
    const switched = await restartWith(type.after)

    const attacker = browserFor(switched)
    expect((await signInWithPassword(attacker)).headers.get('location')).toBe('/_tapgate/2fa')
    const challenge = await attacker.get('/_tapgate/2fa')
    expect(challenge.status).toBe(403)
    expect(await challenge.text()).toContain('Your sign-in method is turned off')
    const enroll = await attacker.get('/_tapgate/enroll')
    expect(enroll.headers.get('location')).toBe('/_tapgate/2fa')
    // Not even with the session's CSRF token, worked out as no page hands it to them.
    const csrf = switched.services.csrf.tokenFor(tokenId(attacker.cookies.get('tapgate_session') ?? ''))
    const forced = await attacker.postForm('/_tapgate/enroll', { csrf, code: '123456' })
    expect(forced.headers.get('location')).toBe('/_tapgate/2fa')
    const keyOptions = await attacker.postJson(
      '/_tapgate/webauthn/registration/options',
      {},
      { 'x-csrf-token': csrf },
    )
    expect([403, 404]).toContain(keyOptions.status)
    expect(await switched.services.totp.secretOf('demo')).toBeNull()
    expect((await attacker.get('/dashboard')).status).not.toBe(200)
    expect(switched.logs).toContainEqual(
      expect.objectContaining({ event: 'factor_switched_off', user: 'demo' }),
    )
  })

  it('may enroll afresh once an admin resets them', async () => {
    await type.enroll(await restartWith(type.before))
    const switched = await restartWith(type.after)
    await resetSecondFactors(switched.services, 'demo', {
      actor: 'admin',
      reason: 'their factor type was turned off',
      origin: { ip: '127.0.0.1', userAgent: 'test' },
    })
    expect(await enrolledFactors(switched.services, 'demo')).toMatchObject({ none: true, switchedOff: [] })

    const user = browserFor(switched)
    await signInWithPassword(user)
    expect((await user.get('/_tapgate/2fa')).headers.get('location')).toBe('/_tapgate/enroll')
    // Turned back on, the old factor is gone too: the reset reached it while it was off.
    const restored = await restartWith(type.before)
    expect(await enrolledFactors(restored.services, 'demo')).toMatchObject({
      none: true,
      has: { webauthn: [], yubico_otp: [], totp: false, sms: null },
    })
  })
})

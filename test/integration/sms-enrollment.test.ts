import { describe, expect, it } from 'vitest'
import { enrolledFactors } from '../../gateway/factors/enrolled-factors.ts'
import { resetSecondFactors } from '../../gateway/users/reset-user.ts'
import {
  BrowserClient,
  csrfMetaIn,
  csrfTokenIn,
  otherWayToSetUpIn,
  totpSecretIn,
} from '../support/browser-client.ts'
import type { DemoGatewayFixture } from '../support/demo-gateway.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import {
  enrollSms,
  requestSignInCode,
  sendEnrollmentCode,
  testNumber,
  useSmsSink,
  webhookTo,
} from '../support/sms-sink.ts'
import { totpCode } from '../support/totp-codes.ts'

/**
 * Adding a number: it counts only once a code sent to it is entered, numbers are checked and
 * normalised, the operator decides who may use text messages (everyone, groups, users) and whether
 * only as a fallback; the account page changes and removes the number (step-up, never the last way
 * in), and an admin's reset removes it.
 */
const { sink, gatewayPerTest } = await useSmsSink()

/** A gateway per test with text messages through the sink; `sms` varies factors.sms. */
function smsGateway(sms: Record<string, unknown> = {}): DemoGatewayFixture {
  return gatewayPerTest(() => ({ factors: { sms: { enabled: true, notifier: webhookTo(sink), ...sms } } }))
}

describe('enrolling a number', () => {
  const demo = smsGateway()

  it('activates the number only once the code sent to it is entered', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await signInWithPassword(browser)
    const enroll = await (await browser.get('/_tapgate/enroll')).text()
    const smsWay = await (await browser.get(otherWayToSetUpIn(enroll, 'Get codes by text message'))).text()
    expect(smsWay).toContain('action="/_tapgate/enroll/sms/send"')
    expect((await sendEnrollmentCode(browser)).headers.get('location')).toBe('/_tapgate/enroll/sms')

    // Sent but not entered: no factor yet, the panel stays closed, the 2fa page sends back to enrollment.
    const s = demo.gateway.services
    expect((await enrolledFactors(s, 'demo')).none).toBe(true)
    expect((await browser.get('/_tapgate/2fa')).headers.get('location')).toBe('/_tapgate/enroll')
    expect((await browser.get('/dashboard')).headers.get('location')).toBe('/_tapgate/2fa')

    const setup = await (await browser.get('/_tapgate/enroll/sms')).text()
    expect(setup).toContain('We sent a code to <strong class="nowrap">+44 •••• ••23</strong>')
    const wrong = await browser.postForm('/_tapgate/enroll/sms', { csrf: csrfTokenIn(setup), code: '12345' })
    expect(wrong.status).toBe(400)
    expect(await wrong.text()).toContain('Enter the 6-digit code from the text message: digits only.')
    expect((await enrolledFactors(s, 'demo')).none).toBe(true)

    const done = await browser.postForm('/_tapgate/enroll/sms', {
      csrf: csrfTokenIn(setup),
      code: sink.lastCodeTo(testNumber),
    })
    expect(done.headers.get('location')).toBe('/_tapgate/recovery-codes')
    expect((await enrolledFactors(s, 'demo')).has.sms).toMatchObject({ number: testNumber, lastUsedAt: null })
    const history = await s.history.of('demo')
    expect(history.find((e) => e.event === 'enrollment' && e.result === 'success')).toMatchObject({
      factor: 'sms',
    })
    // Sealed at rest: the store holds neither the number nor the code.
    const stored = await demo.gateway.store.get('user:demo:sms')
    expect(stored).not.toContain('7700900123')
  })

  it.each([
    ['0044 7700-900.123', '+447700900123'],
    ['+1 (202) 555-0143', '+12025550143'],
    ['+49 151 2345 6789', '+4915123456789'],
  ])('normalises %s to %s', async (typed, number) => {
    const browser = new BrowserClient(demo.gateway.url)
    await signInWithPassword(browser)
    expect((await sendEnrollmentCode(browser, typed)).status).toBe(303)
    expect(sink.messages.at(-1)?.to).toBe(number)
  })

  it.each([
    ['', 'Enter your mobile number.'],
    ['07700 900123', 'Add the country code at the start: +44 for the UK'],
    ['+999 1234 5678', 'There is no country with that code.'],
    ['+44 12', 'That number has too few or too many digits for its country.'],
    ['+44 7700 900123 4567 89', 'That number has too few or too many digits for its country.'],
    ['call me', 'That is not a phone number.'],
  ])('refuses %j clearly and sends nothing', async (typed, message) => {
    const browser = new BrowserClient(demo.gateway.url)
    await signInWithPassword(browser)
    const requests = sink.requests.length
    const refused = await sendEnrollmentCode(browser, typed)
    expect(refused.status).toBe(400)
    const page = await refused.text()
    expect(page).toContain(message)
    expect(page).toContain('id="phone-error"')
    expect(sink.requests).toHaveLength(requests)
  })
})

describe('who may use text messages', () => {
  describe('listed users', () => {
    const demo = smsGateway({ allow: { users: ['Alice'] } })

    it('offers them to alice (as sign-in spells her) and to no one else', async () => {
      const alice = new BrowserClient(demo.gateway.url)
      await signInWithPassword(alice, 'alice')
      expect(await (await alice.get('/_tapgate/enroll')).text()).toContain('Get codes by text message')

      const browser = new BrowserClient(demo.gateway.url)
      await signInWithPassword(browser)
      // Not among the ways, and asking for it shows the strongest way instead.
      const page = await (await browser.get('/_tapgate/enroll?method=sms')).text()
      expect(page).not.toContain('/_tapgate/enroll/sms')
      expect(page).not.toContain('method=sms')
      expect(page).toContain('data-webauthn="register"')
      const refused = await browser.postForm('/_tapgate/enroll/sms/send', {
        csrf: csrfMetaIn(page),
        phone: testNumber,
      })
      expect(refused.status).toBe(404)
      expect((await browser.get('/_tapgate/enroll/sms')).status).toBe(404)
    })
  })

  describe('listed groups', () => {
    const demo = smsGateway({ allow: { groups: ['resellers'] } })

    it("offers them to the group's members only, and refuses one who leaves it rather than enroll them anew", async () => {
      const s = demo.gateway.services
      let groups: string[] = ['resellers']
      s.groups = { groupsOf: (user) => (user === 'demo' ? groups : []) }
      const browser = new BrowserClient(demo.gateway.url)
      await enrollSms(browser, sink)
      expect((await enrolledFactors(s, 'demo')).has.sms).not.toBeNull()

      const alice = new BrowserClient(demo.gateway.url)
      await signInWithPassword(alice, 'alice')
      const alicePage = await (await alice.get('/_tapgate/enroll')).text()
      expect(alicePage).not.toContain('/_tapgate/enroll/sms')
      expect(alicePage).not.toContain('method=sms')

      // Their number is still theirs: not a user with no factor, whom a password alone would enroll.
      groups = []
      await browser.get('/logout')
      await signInWithPassword(browser)
      expect((await browser.get('/_tapgate/2fa')).status).toBe(403)
      expect((await browser.get('/_tapgate/enroll')).headers.get('location')).toBe('/_tapgate/2fa')
    })
  })
})

describe('fallback_only', () => {
  const demo = smsGateway({ fallback_only: true })

  it('offers the number at sign-in only while no app or key is set up', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await enrollSms(browser, sink)
    const app = await (await browser.get('/_tapgate/account/app')).text()
    const added = await browser.postForm('/_tapgate/account/app', {
      csrf: csrfTokenIn(app),
      code: await totpCode(totpSecretIn(app), demo.gateway.clock),
    })
    expect(added.headers.get('location')).toBe('/_tapgate/account?notice=app_added')
    const account = await (await browser.get('/_tapgate/account')).text()
    expect(account).toContain('Sign-in offers text messages only when you have no app or key')

    await browser.get('/logout')
    await signInWithPassword(browser)
    const page = await (await browser.get('/_tapgate/2fa')).text()
    expect(page).not.toContain('/_tapgate/2fa/sms')
    const refused = await browser.postForm('/_tapgate/2fa/sms/send', { csrf: csrfTokenIn(page) })
    expect(refused.status).toBe(404)
  })
})

describe('without fallback_only', () => {
  const demo = smsGateway()

  it('offers the number beside the app', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await enrollTotp(browser, demo.gateway.clock)
    await demo.gateway.services.sms?.setPhone('demo', testNumber)
    await browser.get('/logout')
    await signInWithPassword(browser)
    const page = await (await browser.get('/_tapgate/2fa')).text()
    expect(page).toContain('action="/_tapgate/2fa"')
    expect(page).toContain('href="/_tapgate/2fa?method=sms"')
    const sms = await (await browser.get('/_tapgate/2fa?method=sms')).text()
    expect(sms).toContain('action="/_tapgate/2fa/sms/send"')
  })
})

describe('the account page', () => {
  const demo = smsGateway()
  const newNumber = '+447700900456'

  it('changes the number after a step-up; the old number works until the new one is confirmed', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await enrollSms(browser, sink)
    const account = await (await browser.get('/_tapgate/account')).text()
    expect(account).toContain('Codes go to <strong class="nowrap">+44 •••• ••23</strong>')
    // The only way in: removing it is refused.
    const kept = await browser.postForm('/_tapgate/account/sms/remove', { csrf: csrfTokenIn(account) })
    expect(kept.status).toBe(400)
    expect(await kept.text()).toContain('You cannot remove your only way to sign in.')

    demo.gateway.clock.advance(6 * 60_000)
    expect((await browser.get('/_tapgate/account/sms')).headers.get('location')).toBe('/_tapgate/2fa')
    const code = await requestSignInCode(browser, sink)
    const confirm = await (await browser.get('/_tapgate/2fa')).text()
    const stepped = await browser.postForm('/_tapgate/2fa/sms', { csrf: csrfTokenIn(confirm), code })
    expect(stepped.headers.get('location')).toBe('/_tapgate/account/sms')

    const change = await (await browser.get('/_tapgate/account/sms')).text()
    expect(change).toContain('Change your phone number')
    const sent = await browser.postForm('/_tapgate/account/sms/send', {
      csrf: csrfTokenIn(change),
      phone: newNumber,
    })
    expect(sent.headers.get('location')).toBe('/_tapgate/account/sms')
    expect((await enrolledFactors(demo.gateway.services, 'demo')).has.sms?.number).toBe(testNumber)

    const pending = await (await browser.get('/_tapgate/account/sms')).text()
    const done = await browser.postForm('/_tapgate/account/sms', {
      csrf: csrfTokenIn(pending),
      code: sink.lastCodeTo(newNumber),
    })
    expect(done.headers.get('location')).toBe('/_tapgate/account?notice=sms_replaced')
    expect((await enrolledFactors(demo.gateway.services, 'demo')).has.sms?.number).toBe(newNumber)
    const [change0] = await demo.gateway.services.history.of('demo')
    expect(change0).toMatchObject({ event: 'factor_changed', factor: 'sms', result: 'replaced' })
  })

  it('removes the number once another way in exists, and an admin reset removes it too', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await enrollSms(browser, sink)
    const app = await (await browser.get('/_tapgate/account/app')).text()
    await browser.postForm('/_tapgate/account/app', {
      csrf: csrfTokenIn(app),
      code: await totpCode(totpSecretIn(app), demo.gateway.clock),
    })
    const account = await (await browser.get('/_tapgate/account')).text()
    const removed = await browser.postForm('/_tapgate/account/sms/remove', { csrf: csrfTokenIn(account) })
    expect(removed.headers.get('location')).toBe('/_tapgate/account?notice=sms_removed')
    expect((await enrolledFactors(demo.gateway.services, 'demo')).has.sms).toBeNull()
    expect((await demo.gateway.services.history.of('demo'))[0]).toMatchObject({
      event: 'factor_changed',
      factor: 'sms',
      result: 'removed',
    })

    const s = demo.gateway.services
    await s.sms?.setPhone('demo', testNumber)
    await resetSecondFactors(s, 'demo', {
      actor: 'admin',
      reason: 'lost phone',
      origin: { ip: '127.0.0.1', userAgent: 'test' },
    })
    expect(await s.sms?.phoneOf('demo')).toBeNull()
    expect((await enrolledFactors(s, 'demo')).none).toBe(true)
  })
})

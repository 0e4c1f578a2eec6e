import { describe, expect, it } from 'vitest'
import { BrowserClient, csrfTokenIn } from '../support/browser-client.ts'
import { signInWithPassword } from '../support/sign-in.ts'
import {
  atSecondStepWithSms,
  enterSignInCode,
  requestSignInCode,
  sendEnrollmentCode,
  sendSignInCode,
  testNumber,
  useSmsSink,
  webhookTo,
} from '../support/sms-sink.ts'

/**
 * Signing in with a code by text message, through the whole gateway, the codes delivered over real
 * HTTP to a webhook receiver: nothing is sent until the user asks, a code works once and for five
 * minutes, five wrong guesses kill it, resends wait their turn and replace the old code, and the
 * hourly caps hold. The FixedClock moves time; nothing sleeps.
 */
const { sink, gatewayPerTest } = await useSmsSink()

/** A gateway per test with text messages through the sink; `sms` varies factors.sms, `config` the rest. */
function smsGateway({ sms = {}, config = {} }: { sms?: object; config?: object } = {}) {
  return gatewayPerTest(() => ({
    ...config,
    factors: {
      sms: { enabled: true, issuer: 'DemoPanel', notifier: webhookTo(sink, { timeout: '2s' }), ...sms },
    },
  }))
}

describe('signing in with a code by text message', () => {
  const demo = smsGateway()

  it('texts a code only when asked, names the issuer and validity, and the code signs in', async () => {
    const browser = await atSecondStepWithSms(demo.gateway.url, sink)
    const delivered = sink.messages.length
    const page = await (await browser.get('/_tapgate/2fa')).text()
    expect(page).toContain('+44 •••• ••23')
    expect(page).toContain('>Send code<')
    expect(page).not.toContain('id="sms-code"')
    expect(sink.messages).toHaveLength(delivered)

    const code = await requestSignInCode(browser, sink)
    const message = sink.messages.at(-1)
    expect(message).toMatchObject({ via: 'webhook', to: testNumber })
    expect(message?.text).toBe(`${code} is your DemoPanel code. It expires in 5 minutes.`)
    const asking = await (await browser.get('/_tapgate/2fa')).text()
    expect(asking).toContain('id="sms-code"')
    expect(asking).toContain('We sent a 6-digit code to <strong class="nowrap">+44 •••• ••23</strong>')

    const done = await enterSignInCode(browser, code)
    expect(done.headers.get('location')).toBe('/dashboard')
    expect((await browser.get('/dashboard')).status).toBe(200)

    const history = await demo.gateway.services.history.of('demo')
    expect(history.slice(0, 2).map(({ event, factor, result }) => ({ event, factor, result }))).toEqual([
      { event: 'second_factor', factor: 'sms', result: 'success' },
      { event: 'second_factor', factor: 'sms', result: 'code_sent' },
    ])
    expect(
      history.some((e) => e.event === 'enrollment' && e.factor === 'sms' && e.result === 'code_sent'),
    ).toBe(true)
    // Neither the code nor the full number ever reaches the log.
    expect(demo.gateway.logText()).not.toContain(code)
    expect(demo.gateway.logText()).not.toContain(testNumber)
  })

  it('keeps the pending sign-in alive as long as a code it sent works, then says it timed out (issue 16)', async () => {
    const { clock, services } = demo.gateway
    const pending = services.config.session.pending
    const browser = await atSecondStepWithSms(demo.gateway.url, sink)
    // The code is asked for a minute before the pending sign-in would end; it works for 5 minutes.
    clock.advance(pending - 60_000)
    const code = await requestSignInCode(browser, sink)
    clock.advance(services.config.factors.sms.code_ttl - 1_000)
    expect((await enterSignInCode(browser, code)).headers.get('location')).toBe('/dashboard')

    const late = new BrowserClient(demo.gateway.url)
    await signInWithPassword(late)
    const csrf = csrfTokenIn(await (await late.get('/_tapgate/2fa')).text())
    clock.advance(pending)
    const timedOut = await late.postForm('/_tapgate/2fa/sms', { csrf, code: '123456' })
    expect(timedOut.status).toBe(401)
    const page = await timedOut.text()
    expect(page).toContain('Your sign-in timed out')
    expect(page).toMatch(/<a class="button button-primary" href="\/login">Sign in again<\/a>/)
    expect(timedOut.headers.get('set-cookie')).toMatch(/^tapgate_session=;.*Max-Age=0/)
  })

  it('accepts a code once: the same code again is refused', async () => {
    const browser = await atSecondStepWithSms(demo.gateway.url, sink)
    const code = await requestSignInCode(browser, sink)
    expect((await enterSignInCode(browser, code)).headers.get('location')).toBe('/dashboard')
    await browser.get('/logout')
    await signInWithPassword(browser)
    const again = await enterSignInCode(browser, code)
    expect(again.status).toBe(401)
    expect(await again.text()).toContain('That code no longer works. Ask for a new code.')
  })

  it('counts wrong codes toward the lockout, like wrong app codes', async () => {
    const browser = await atSecondStepWithSms(demo.gateway.url, sink)
    const code = await requestSignInCode(browser, sink)
    const wrong = code === '000000' ? '111111' : '000000'
    for (let i = 0; i < 5; i++) await enterSignInCode(browser, wrong)
    expect(demo.gateway.logs.filter((line) => line.event === 'lockout').map((line) => line.factor)).toContain(
      'sms',
    )
    const sent = sink.messages.length
    const locked = await sendSignInCode(browser)
    expect(locked.status).toBe(429)
    expect(sink.messages).toHaveLength(sent)
    const history = await demo.gateway.services.history.of('demo')
    expect(history[0]).toMatchObject({ event: 'second_factor', factor: 'sms', result: 'locked_out' })
  })

  it('refuses a resend before the wait is over, saying how long; a new code replaces the old', async () => {
    const browser = await atSecondStepWithSms(demo.gateway.url, sink)
    const first = await requestSignInCode(browser, sink)
    let page = await (await browser.get('/_tapgate/2fa')).text()
    expect(page).toContain('data-resend-in="30"')
    expect(page).toContain('You can ask for a new code in 30 seconds.')

    demo.gateway.clock.advance(10_000)
    const sent = sink.messages.length
    const early = await browser.postForm('/_tapgate/2fa/sms/send', { csrf: csrfTokenIn(page), resend: 'yes' })
    expect(early.status).toBe(429)
    expect(await early.text()).toContain('You can ask for a new code in 20 seconds.')
    expect(sink.messages).toHaveLength(sent)

    demo.gateway.clock.advance(20_000)
    page = await (await browser.get('/_tapgate/2fa')).text()
    expect(page).not.toContain('data-resend-in')
    const second = await requestSignInCode(browser, sink)
    expect(sink.messages).toHaveLength(sent + 1)
    if (first !== second) {
      const old = await enterSignInCode(browser, first)
      expect(old.status).toBe(401)
      expect(await old.text()).toContain('That code is not correct.')
    }
    expect((await enterSignInCode(browser, second)).headers.get('location')).toBe('/dashboard')
  })

  it('confirms a change (step-up) with a text message, and trusts the device when asked', async () => {
    const browser = await atSecondStepWithSms(demo.gateway.url, sink)
    const code = await requestSignInCode(browser, sink)
    const trusted = await enterSignInCode(browser, code, { trust_device: 'yes' })
    expect(trusted.headers.get('location')).toBe('/dashboard')
    expect(trusted.headers.getSetCookie().some((c) => c.startsWith('tapgate_device='))).toBe(true)

    demo.gateway.clock.advance(6 * 60_000)
    const change = await browser.get('/_tapgate/account/sms')
    expect(change.headers.get('location')).toBe('/_tapgate/2fa')
    const stepUp = await (await browser.get('/_tapgate/2fa')).text()
    expect(stepUp).toContain('Confirm it&#39;s you')
    const again = await requestSignInCode(browser, sink)
    const confirmed = await enterSignInCode(browser, again)
    expect(confirmed.headers.get('location')).toBe('/_tapgate/account/sms')
    expect((await browser.get('/_tapgate/account/sms')).status).toBe(200)

    // The trusted browser skips the second step next time.
    await browser.get('/logout')
    const skipped = await signInWithPassword(browser)
    expect(skipped.headers.get('location')).toBe('/dashboard')
  })

  it('refuses every text-message form without the CSRF token, and each page form carries it', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await signInWithPassword(browser)
    const setup = await sendEnrollmentCode(browser)
    expect(setup.status).toBe(303)
    for (const path of ['/_tapgate/enroll/sms/send', '/_tapgate/enroll/sms']) {
      const forged = await browser.postForm(path, { phone: testNumber, code: sink.lastCodeTo(testNumber) })
      expect(forged.status, path).toBe(403)
    }
    const setupPage = await (await browser.get('/_tapgate/enroll/sms')).text()
    expect(setupPage.match(/<form /g)?.length).toBe(setupPage.match(/name="csrf"/g)?.length)
    await browser.postForm('/_tapgate/enroll/sms', {
      csrf: csrfTokenIn(setupPage),
      code: sink.lastCodeTo(testNumber),
    })

    await browser.get('/logout')
    await signInWithPassword(browser)
    for (const path of ['/_tapgate/2fa/sms/send', '/_tapgate/2fa/sms']) {
      const forged = await browser.postForm(path, { code: '123456' }, { origin: 'https://evil.example' })
      expect(forged.status, path).toBe(403)
    }
    const code = await requestSignInCode(browser, sink)
    const challenge = await (await browser.get('/_tapgate/2fa')).text()
    expect(challenge.match(/<form /g)?.length).toBe(challenge.match(/name="csrf"/g)?.length)
    await enterSignInCode(browser, code)
    for (const path of [
      '/_tapgate/account/sms/send',
      '/_tapgate/account/sms',
      '/_tapgate/account/sms/remove',
    ]) {
      const forged = await browser.postForm(path, { phone: '+447700900456' })
      expect(forged.status, path).toBe(403)
    }
    const account = await (await browser.get('/_tapgate/account')).text()
    expect(account.match(/<form /g)?.length).toBe(account.match(/name="csrf"/g)?.length)
  })
})

describe('five wrong codes', () => {
  // Above five, so the code's own limit shows before the lockout does.
  const demo = smsGateway({ config: { regulation: { max_failures: 50 } } })

  it('kills a code after five wrong tries; only a new code works then', async () => {
    const browser = await atSecondStepWithSms(demo.gateway.url, sink)
    const code = await requestSignInCode(browser, sink)
    const wrong = code === '000000' ? '111111' : '000000'
    for (const left of [4, 3, 2, 1]) {
      const refused = await enterSignInCode(browser, wrong)
      expect(refused.status).toBe(401)
      expect(await refused.text()).toContain(`(${left} ${left === 1 ? 'try' : 'tries'} left)`)
    }
    const fifth = await enterSignInCode(browser, wrong)
    expect(await fifth.text()).toContain('That code was entered wrongly too many times and no longer works.')
    const right = await enterSignInCode(browser, code)
    expect(right.status).toBe(401)
    expect(await right.text()).toContain('That code no longer works.')
    demo.gateway.clock.advance(30_000)
    const fresh = await requestSignInCode(browser, sink)
    expect((await enterSignInCode(browser, fresh)).headers.get('location')).toBe('/dashboard')
  })
})

describe('the hourly cap', () => {
  const demo = smsGateway({ sms: { max_per_hour: 2 } })

  it('sends at most max_per_hour messages to a user, and to a number whoever asks', async () => {
    // The enrollment's code, then one to sign in: the user's and the number's two for this hour.
    const browser = await atSecondStepWithSms(demo.gateway.url, sink)
    await requestSignInCode(browser, sink)
    demo.gateway.clock.advance(30_000)
    const sent = sink.messages.length
    const capped = await sendSignInCode(browser, { resend: 'yes' })
    expect(capped.status).toBe(429)
    expect(await capped.text()).toContain(
      'Too many codes have been sent. You can ask for a new one in 60 minutes',
    )

    // Another account cannot have the same number texted either.
    const other = new BrowserClient(demo.gateway.url)
    await signInWithPassword(other, 'alice')
    const refused = await sendEnrollmentCode(other)
    expect(refused.status).toBe(429)
    expect(sink.messages).toHaveLength(sent)

    demo.gateway.clock.advance(60 * 60_000)
    await signInWithPassword(browser)
    await requestSignInCode(browser, sink)
    expect(sink.messages).toHaveLength(sent + 1)
  })
})

describe('an expired code', () => {
  // The sign-in itself outlives the code here, as it does when session.pending is longer.
  const demo = smsGateway({ config: { session: { pending: '15m' } } })

  it('refuses an expired code and offers to send a new one, which works', async () => {
    const browser = await atSecondStepWithSms(demo.gateway.url, sink)
    const code = await requestSignInCode(browser, sink)
    demo.gateway.clock.advance(5 * 60_000)
    const expired = await enterSignInCode(browser, code)
    expect(expired.status).toBe(401)
    const page = await expired.text()
    expect(page).toContain('That code has expired. Ask for a new code.')
    expect(page).toContain('>Send code<')
    const fresh = await requestSignInCode(browser, sink)
    expect((await enterSignInCode(browser, fresh)).headers.get('location')).toBe('/dashboard')
  })
})

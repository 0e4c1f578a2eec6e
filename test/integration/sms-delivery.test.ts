import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BrowserClient, csrfTokenIn } from '../support/browser-client.ts'
import type { DemoGatewayFixture } from '../support/demo-gateway.ts'
import { freePort } from '../support/free-port.ts'
import { signInWithPassword } from '../support/sign-in.ts'
import {
  atSecondStepWithSms,
  enterSignInCode,
  requestSignInCode,
  sendEnrollmentCode,
  sendSignInCode,
  testNumber,
  useSmsSink,
  webhookSecret,
  webhookSignatureValid,
  webhookTo,
} from '../support/sms-sink.ts'

/**
 * Handing messages to the operator's provider over real HTTP: the webhook's signature, its timeout
 * and single retry, a receiver that is down, slow or refuses; a Twilio-compatible API with basic auth
 * and a form body; and the log notifier of the demo. A code that was not handed over is never stored,
 * so it cannot be entered, and the old code and the wait stay as they were.
 */
const twilio = { accountSid: `AC${'0123456789abcdef'.repeat(2)}`, authToken: 'twilio-auth-token-0123456789' }
const { sink, gatewayPerTest } = await useSmsSink({ twilio })

/** A gateway per test whose text messages go out through `notifier()`. */
function smsGateway(notifier: () => Record<string, unknown>): DemoGatewayFixture {
  return gatewayPerTest(() => ({
    factors: { sms: { enabled: true, issuer: 'DemoPanel', notifier: notifier() } },
  }))
}

const notSent = 'We could not send the text message. Try again, or use another way to sign in.'

describe('the webhook', () => {
  const demo = smsGateway(() => webhookTo(sink, { timeout: '300ms' }))

  it('signs each request so that the receiver can check it with the shared secret', async () => {
    const browser = await atSecondStepWithSms(demo.gateway.url, sink)
    const before = sink.requests.length
    const code = await requestSignInCode(browser, sink)
    const [request] = sink.requests.slice(before)
    expect(request?.signatureValid).toBe(true)
    expect(request?.headers['content-type']).toBe('application/json')
    expect(request?.headers['tapgate-timestamp']).toBe(String(Math.floor(demo.gateway.clock.now() / 1000)))
    expect(request?.headers['tapgate-signature']).toMatch(/^v1=[0-9a-f]{64}$/)
    expect(JSON.parse(request?.body ?? '')).toEqual({
      to: testNumber,
      text: `${code} is your DemoPanel code. It expires in 5 minutes.`,
      code_id: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
    })
    // A changed body, another secret, or an old timestamp fail the receiver's check.
    const request0 = request as NonNullable<typeof request>
    const now = demo.gateway.clock.now()
    expect(
      webhookSignatureValid({ ...request0, body: request0.body.replace(code, '000000') }, webhookSecret, now),
    ).toBe(false)
    expect(webhookSignatureValid(request0, `${webhookSecret}x`, now)).toBe(false)
    expect(webhookSignatureValid(request0, webhookSecret, now + 6 * 60_000)).toBe(false)
  })

  it('tries once more after a 5xx, with the same code id and a fresh signature, and the code works', async () => {
    const browser = await atSecondStepWithSms(demo.gateway.url, sink)
    const before = sink.requests.length
    sink.answerNext('fail')
    const code = await requestSignInCode(browser, sink)
    const [first, retry] = sink.requests.slice(before)
    expect(sink.requests.length - before).toBe(2)
    expect(retry?.body).toBe(first?.body)
    expect(retry?.signatureValid).toBe(true)
    expect((await enterSignInCode(browser, code)).headers.get('location')).toBe('/dashboard')
  })

  it('does not retry a 4xx, and says the message could not be sent', async () => {
    const browser = await atSecondStepWithSms(demo.gateway.url, sink)
    const before = sink.requests.length
    sink.answerNext({ http: 400 })
    const refused = await sendSignInCode(browser)
    expect(refused.status).toBe(503)
    expect(await refused.text()).toContain(notSent)
    expect(sink.requests.length - before).toBe(1)
  })

  it('fails clearly when the receiver keeps failing, stores no code, and lets the user try again at once', async () => {
    const browser = await atSecondStepWithSms(demo.gateway.url, sink)
    const before = sink.requests.length
    const delivered = sink.messages.length
    sink.answerNext('fail', 'fail')
    const failed = await sendSignInCode(browser)
    expect(failed.status).toBe(503)
    const page = await failed.text()
    expect(page).toContain(notSent)
    expect(page).not.toContain('id="sms-code"')
    expect(sink.requests.length - before).toBe(2)
    expect(sink.messages).toHaveLength(delivered)
    expect(await demo.gateway.services.sms?.outstanding('demo', 'sign_in')).toBeNull()

    const warning = demo.gateway.logs.find((line) => line.msg === 'text message not sent')
    expect(warning).toMatchObject({
      event: 'second_factor',
      factor: 'sms',
      result: 'not_delivered',
      notifier: 'webhook',
      to: '+44 •••• ••23',
      detail: 'webhook: HTTP 500; retried: webhook: HTTP 500',
    })
    const history = await demo.gateway.services.history.of('demo')
    expect(history[0]).toMatchObject({ event: 'second_factor', factor: 'sms', result: 'not_delivered' })

    // No wait imposed by a message that never went: the next press sends one.
    const code = await requestSignInCode(browser, sink)
    expect((await enterSignInCode(browser, code)).headers.get('location')).toBe('/dashboard')
  })

  it('gives up on a receiver slower than the timeout; a code it delivers late does not work', async () => {
    const browser = await atSecondStepWithSms(demo.gateway.url, sink)
    let release = () => {}
    const gaveUp = new Promise<void>((resolve) => {
      release = resolve
    })
    sink.answerNext({ after: gaveUp }, { after: gaveUp })
    const failed = await sendSignInCode(browser)
    expect(failed.status).toBe(503)
    expect(await failed.text()).toContain(notSent)
    const warning = demo.gateway.logs.find((line) => line.msg === 'text message not sent')
    expect(warning?.detail).toBe(
      'webhook: no answer within 300 ms; retried: webhook: no answer within 300 ms',
    )

    const late = sink.nextMessage()
    release()
    const message = await late
    // No code is outstanding: the code is posted as a tab still showing the field would.
    const refused = await enterSignInCode(browser, message.code)
    expect(refused.status).toBe(401)
    expect(await refused.text()).toContain('That code no longer works. Ask for a new code.')
  })
})

describe('a webhook signed with another secret than the receiver has', () => {
  const demo = smsGateway(() => webhookTo(sink, { secret: `${webhookSecret}-old`, timeout: '1s' }))

  it('is refused by the receiver, is not retried, and no code is stored', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await signInWithPassword(browser)
    const before = sink.requests.length
    const failed = await sendEnrollmentCode(browser)
    expect(failed.status).toBe(503)
    expect(sink.requests.slice(before).map((r) => r.signatureValid)).toEqual([false])
    expect(await demo.gateway.services.sms?.outstanding('demo', 'register')).toBeNull()
  })
})

describe('a webhook that is down', () => {
  let closedPort = 0
  const demo = smsGateway(() => ({
    type: 'webhook',
    url: `http://127.0.0.1:${closedPort}/sms`,
    secret: webhookSecret,
    timeout: '1s',
  }))
  beforeAll(async () => {
    closedPort = await freePort()
  })

  it('says the message could not be sent and logs why, at enrollment too, never revealing more', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await signInWithPassword(browser)
    const failed = await sendEnrollmentCode(browser)
    expect(failed.status).toBe(503)
    const text = await failed.text()
    expect(text).toContain('We could not send the text message. Check the number and try again.')
    // The number comes back to correct or send again; nothing is activated.
    expect(text).toContain('value="+447700900123"')
    expect(await demo.gateway.services.sms?.outstanding('demo', 'register')).toBeNull()
    const warning = demo.gateway.logs.find((line) => line.msg === 'text message not sent')
    expect(String(warning?.detail)).toMatch(
      /^webhook: fetch failed: .*ECONNREFUSED.*; retried: webhook: fetch failed/,
    )
  })
})

describe('a Twilio-compatible provider', () => {
  let token = twilio.authToken
  const demo = smsGateway(() => ({
    type: 'twilio',
    base_url: sink.twilioUrl,
    account_sid: twilio.accountSid,
    auth_token: token,
    from: '+15005550006',
  }))

  it('posts To, From and Body as a form with basic auth, and the code signs in', async () => {
    const browser = await atSecondStepWithSms(demo.gateway.url, sink)
    const before = sink.requests.length
    const code = await requestSignInCode(browser, sink)
    const [request] = sink.requests.slice(before)
    expect(request).toMatchObject({ via: 'twilio', authorized: true })
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      To: testNumber,
      From: '+15005550006',
      Body: `${code} is your DemoPanel code. It expires in 5 minutes.`,
    })
    expect((await enterSignInCode(browser, code)).headers.get('location')).toBe('/dashboard')
  })

  describe('with a wrong auth token', () => {
    beforeAll(() => {
      token = 'not-the-token'
    })
    afterAll(() => {
      token = twilio.authToken
    })

    it("logs the provider's error code and tells the user the message could not be sent", async () => {
      const browser = new BrowserClient(demo.gateway.url)
      await signInWithPassword(browser)
      const failed = await sendEnrollmentCode(browser)
      expect(failed.status).toBe(503)
      const warning = demo.gateway.logs.find((line) => line.msg === 'text message not sent')
      expect(warning?.detail).toBe('twilio: HTTP 401 (Twilio error 20003)')
      expect(demo.gateway.logText()).not.toContain('not-the-token')
    })
  })
})

describe('the log notifier', () => {
  const demo = smsGateway(() => ({ type: 'log' }))

  it('sends nothing and writes the message to the log, where the demo reads the code', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await signInWithPassword(browser)
    const requests = sink.requests.length
    await sendEnrollmentCode(browser)
    expect(sink.requests).toHaveLength(requests)
    const line = demo.gateway.logs.find((l) => l.event === 'sms_logged')
    expect(line).toMatchObject({ level: 40, to: '+44 •••• ••23' })
    const code = /^(\d{6}) is your DemoPanel code\./.exec(String(line?.text))?.[1] ?? ''
    const setup = await (await browser.get('/_tapgate/enroll/sms')).text()
    const done = await browser.postForm('/_tapgate/enroll/sms', { csrf: csrfTokenIn(setup), code })
    expect(done.headers.get('location')).toBe('/_tapgate/recovery-codes')
  })
})

import { createHmac, timingSafeEqual } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeEach, expect } from 'vitest'
import { BrowserClient, csrfTokenIn } from './browser-client.ts'
import type { FixedClock } from './clock.ts'
import { type DemoGatewayFixture, useDemoGateway } from './demo-gateway.ts'
import { signInWithPassword } from './sign-in.ts'

/**
 * How to answer one request:
 * - 'deliver': accept it (the default): 200 for the webhook, 201 and a message resource for Twilio;
 * - 'fail': 500, nothing delivered; { http: code }: that status, nothing delivered;
 * - 'hang': take the request and never answer;
 * - { after, answer }: `answer` ('deliver' if absent) once `after` settles: a provider slower than
 *   tapgate's timeout, which may still deliver after tapgate gave up.
 */
export type SinkAnswer =
  | 'deliver'
  | 'fail'
  | 'hang'
  | { http: number }
  | { after: Promise<unknown>; answer?: SinkAnswer }

export interface SinkRequest {
  via: 'webhook' | 'twilio'
  headers: IncomingMessage['headers']
  body: string
  /** Webhook: the signature checks out under the shared secret and the timestamp is fresh. */
  signatureValid?: boolean
  /** Twilio: the basic auth named the account and its token. */
  authorized?: boolean
}

export interface SentMessage {
  via: 'webhook' | 'twilio'
  to: string
  text: string
  /** Webhook only: the code's id, the same in a retried request. */
  codeId?: string
  /** Twilio only. */
  from?: string
  /** The six digits the text carries. */
  code: string
}

export interface SmsSinkOptions {
  /** The webhook's shared secret, to check signatures with as an operator's receiver would. */
  webhookSecret: string
  twilio: { accountSid: string; authToken: string }
  /** The receiver's clock for the timestamp check (tapgate signs with its own, a FixedClock in tests). */
  now?: () => number
}

export interface SmsSink {
  /** The webhook endpoint: `http://127.0.0.1:<port>/sms`. */
  webhookUrl: string
  /** The Twilio-compatible API's base URL, for `base_url`. */
  twilioUrl: string
  /** Every request, in arrival order. */
  requests: SinkRequest[]
  /** Messages accepted (answered 2xx), in order. */
  messages: SentMessage[]
  answerNext(...answers: SinkAnswer[]): void
  /** Resolves with the next message the sink accepts. */
  nextMessage(): Promise<SentMessage>
  /** The code in the last message to `to`. */
  lastCodeTo(to: string): string
  stop(): Promise<void>
}

/** Refuses webhook requests signed longer ago than this, as the README tells receivers to. */
const TOLERANCE_MS = 5 * 60_000

/**
 * A real HTTP server standing in for the operator's SMS side: the webhook receiver, verifying each
 * request's signature exactly as the README's contract says, and a Twilio-compatible Messages API
 * (`POST /2010-04-01/Accounts/{sid}/Messages.json`, form body, basic auth). It records what arrives
 * and can be told to fail, hang or answer late.
 */
export async function startSmsSink(options: SmsSinkOptions): Promise<SmsSink> {
  const now = options.now ?? Date.now
  const queue: SinkAnswer[] = []
  const requests: SinkRequest[] = []
  const messages: SentMessage[] = []
  const waiters: ((message: SentMessage) => void)[] = []

  function deliver(message: SentMessage) {
    messages.push(message)
    for (const waiter of waiters.splice(0)) waiter(message)
  }

  const server = createServer((req, res) => {
    void handle(req, res)
  })

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    const path = new URL(req.url ?? '/', 'http://sink.test').pathname
    const twilioPath = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path)
    if (req.method !== 'POST' || (path !== '/sms' && twilioPath === null)) {
      res.writeHead(404).end()
      return
    }
    const via = twilioPath === null ? 'webhook' : 'twilio'
    const request: SinkRequest = { via, headers: req.headers, body }
    requests.push(request)
    let answer = queue.shift() ?? 'deliver'
    while (typeof answer === 'object' && 'after' in answer) {
      await answer.after
      answer = answer.answer ?? 'deliver'
    }
    if (answer === 'hang') return
    if (answer === 'fail') answer = { http: 500 }
    if (typeof answer === 'object') {
      res.writeHead(answer.http, { 'content-type': 'application/json' }).end('{"message":"scripted failure"}')
      return
    }
    if (via === 'webhook') receiveWebhook(request, res)
    else receiveTwilio(request, decodeURIComponent(twilioPath?.[1] ?? ''), res)
  }

  function receiveWebhook(request: SinkRequest, res: ServerResponse) {
    request.signatureValid = webhookSignatureValid(request, options.webhookSecret, now())
    if (!request.signatureValid) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad signature"}')
      return
    }
    const { to, text, code_id: codeId } = JSON.parse(request.body) as Record<string, string>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    deliver({
      via: 'webhook',
      to: to ?? '',
      text: text ?? '',
      codeId: codeId ?? '',
      code: codeIn(text ?? ''),
    })
  }

  function receiveTwilio(request: SinkRequest, sid: string, res: ServerResponse) {
    const expected = `Basic ${Buffer.from(`${options.twilio.accountSid}:${options.twilio.authToken}`).toString('base64')}`
    request.authorized = sid === options.twilio.accountSid && request.headers.authorization === expected
    const reply = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    if (!request.authorized) return reply(401, { code: 20003, message: 'Authenticate', status: 401 })
    const form = new URLSearchParams(request.body)
    const to = form.get('To')
    const from = form.get('From')
    const text = form.get('Body')
    if (!to || !from || !text)
      return reply(400, { code: 21604, message: "A 'To' phone number is required.", status: 400 })
    reply(201, { sid: `SM${'0'.repeat(32)}`, status: 'queued', to, from, body: text })
    deliver({ via: 'twilio', to, from, text, code: codeIn(text) })
  }

  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  const base = `http://127.0.0.1:${port}`
  return {
    webhookUrl: `${base}/sms`,
    twilioUrl: base,
    requests,
    messages,
    answerNext: (...answers) => {
      queue.push(...answers)
    },
    nextMessage: () => new Promise((resolve) => waiters.push(resolve)),
    lastCodeTo(to) {
      const message = messages.findLast((m) => m.to === to)
      if (message === undefined) throw new Error(`no message to ${to}`)
      return message.code
    },
    async stop() {
      // A hanging request holds its connection; end them all rather than wait.
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}

/**
 * The receiver's check, written from the README's contract rather than from tapgate's code:
 * `Tapgate-Signature: v1=<hex HMAC-SHA256(secret, "<Tapgate-Timestamp>.<raw body>")>`, compared in
 * constant time, and a timestamp no more than five minutes away.
 */
export function webhookSignatureValid(
  request: Pick<SinkRequest, 'headers' | 'body'>,
  secret: string,
  nowMs: number,
) {
  const timestamp = String(request.headers['tapgate-timestamp'] ?? '')
  const signature = String(request.headers['tapgate-signature'] ?? '')
  if (!/^\d+$/.test(timestamp) || Math.abs(nowMs - Number(timestamp) * 1000) > TOLERANCE_MS) return false
  const expected = Buffer.from(
    `v1=${createHmac('sha256', secret).update(`${timestamp}.${request.body}`).digest('hex')}`,
  )
  const given = Buffer.from(signature)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

function codeIn(text: string): string {
  return /\b(\d{6})\b/.exec(text)?.[1] ?? ''
}

/** A number the tests text: a UK mobile number in Ofcom's range for drama. */
export const testNumber = '+447700900123'

/** The secret the SMS tests' webhook notifiers sign with and their sinks check. */
export const webhookSecret = 'webhook-shared-secret-0123456789abcdefghij'

/** tapgate's notifier settings for the sink's webhook, signed with webhookSecret; `extra` adds or overrides. */
export function webhookTo(sink: SmsSink, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'webhook', url: sink.webhookUrl, secret: webhookSecret, ...extra }
}

export interface SmsSinkFixture {
  readonly sink: SmsSink
  /** Registers a fresh demo gateway per test with `config()`; the sink then follows that gateway's clock. */
  gatewayPerTest(config: () => Record<string, unknown>): DemoGatewayFixture
}

/**
 * The one sink of an SMS test file: started at once, stopped after the file. It checks webhook
 * signatures against `clock` where given (a gateway for the whole file), else against the clock of
 * the gateway gatewayPerTest started for the current test, since tapgate signs with its FixedClock.
 */
export async function useSmsSink(
  options: { twilio?: SmsSinkOptions['twilio']; clock?: () => FixedClock } = {},
): Promise<SmsSinkFixture> {
  let current: FixedClock | undefined
  const clock = options.clock ?? (() => current)
  const sink = await startSmsSink({
    webhookSecret,
    twilio: options.twilio ?? { accountSid: 'unused', authToken: 'unused' },
    now: () => clock()?.now() ?? Date.now(),
  })
  afterAll(() => sink.stop())
  return {
    sink,
    gatewayPerTest(config) {
      const fixture = useDemoGateway({ config })
      beforeEach(() => {
        current = fixture.gateway.clock
      })
      return fixture
    },
  }
}

/**
 * The password, then text messages as the first factor: the number on the enrollment page, "Send
 * code", and the code the sink received. Leaves a verified session on the recovery-codes page.
 */
export async function enrollSms(browser: BrowserClient, sink: SmsSink, user = 'demo', number = testNumber) {
  await signInWithPassword(browser, user)
  const sent = await sendEnrollmentCode(browser, number)
  expect(sent.headers.get('location')).toBe('/_tapgate/enroll/sms')
  const setup = await (await browser.get('/_tapgate/enroll/sms')).text()
  const done = await browser.postForm('/_tapgate/enroll/sms', {
    csrf: csrfTokenIn(setup),
    code: sink.lastCodeTo(number),
  })
  expect(done.headers.get('location')).toBe('/_tapgate/recovery-codes')
}

/** A new browser whose user enrolled a number, signed out, and is back at the 2fa page after the password. */
export async function atSecondStepWithSms(gatewayUrl: string, sink: SmsSink): Promise<BrowserClient> {
  const browser = new BrowserClient(gatewayUrl)
  await enrollSms(browser, sink)
  await browser.get('/logout')
  await signInWithPassword(browser)
  return browser
}

/** On the enrollment page's text-message way (`?method=sms`): `phone` and "Send code". Returns the answer. */
export async function sendEnrollmentCode(browser: BrowserClient, phone = testNumber): Promise<Response> {
  const page = await (await browser.get('/_tapgate/enroll?method=sms')).text()
  return browser.postForm('/_tapgate/enroll/sms/send', { csrf: csrfTokenIn(page), phone })
}

/** On the 2fa page: "Send code" (with `fields`, e.g. resend). Returns tapgate's answer. */
export async function sendSignInCode(browser: BrowserClient, fields: Record<string, string> = {}) {
  const page = await (await browser.get('/_tapgate/2fa')).text()
  return browser.postForm('/_tapgate/2fa/sms/send', { csrf: csrfTokenIn(page), ...fields })
}

/** On the 2fa page: "Send code", then the page that asks for it. Returns the code the sink received. */
export async function requestSignInCode(browser: BrowserClient, sink: SmsSink, number = testNumber) {
  const sent = await sendSignInCode(browser)
  expect(sent.headers.get('location')).toBe('/_tapgate/2fa')
  return sink.lastCodeTo(number)
}

/** Enters a code at the 2fa page's text-message form. */
export async function enterSignInCode(
  browser: BrowserClient,
  code: string,
  fields: Record<string, string> = {},
) {
  const page = await (await browser.get('/_tapgate/2fa')).text()
  return browser.postForm('/_tapgate/2fa/sms', { csrf: csrfTokenIn(page), code, ...fields })
}

import { createHmac, timingSafeEqual } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodeOtp, type YubiKeyIdentity } from '../../demo/soft-yubikey.ts'

export type ServerStatus =
  | 'OK'
  | 'BAD_OTP'
  | 'REPLAYED_OTP'
  | 'BAD_SIGNATURE'
  | 'MISSING_PARAMETER'
  | 'NO_SUCH_CLIENT'
  | 'OPERATION_NOT_ALLOWED'
  | 'BACKEND_ERROR'
  | 'NOT_ENOUGH_ANSWERS'
  | 'REPLAYED_REQUEST'

/**
 * How to answer one request:
 * - 'validate': as ykval would (the default);
 * - a status: that status, correctly signed, echoing otp and nonce;
 * - 'bad_signature': OK, signed with another key; 'unsigned_no_such_client': NO_SUCH_CLIENT signed
 *   with an empty key, as ykval answers an id it does not know;
 * - 'wrong_nonce' / 'wrong_otp': OK, correctly signed, echoing another nonce or otp; 'no_echo': OK,
 *   correctly signed, echoing neither;
 * - 'hang': accept the request and never answer; { http: code }: that HTTP status, no body;
 * - { after, answer }: `answer` ('validate' if absent) once `after` settles, to order two servers.
 */
export type Answer =
  | 'validate'
  | ServerStatus
  | 'bad_signature'
  | 'unsigned_no_such_client'
  | 'wrong_nonce'
  | 'wrong_otp'
  | 'no_echo'
  | 'hang'
  | { http: number }
  | { after: Promise<unknown>; answer?: Answer }

export interface ValidationServerOptions {
  /** Client id → base64 API key. */
  clients: Record<string, string>
  /**
   * Keys the server can decrypt, as a ykval with its KSM does: an OTP of another key is BAD_OTP, and
   * counters must grow. Without any, every well-formed OTP is OK once.
   */
  keys?: readonly YubiKeyIdentity[]
}

export interface ValidationServer {
  /** The verify URL: http://127.0.0.1:<port>/wsapi/2.0/verify */
  url: string
  /** Every request's query parameters, in arrival order. */
  requests: Record<string, string>[]
  /** Answers for the next requests, one each, in order; then 'validate' again. */
  answerNext(...answers: Answer[]): void
  /** Resolves once this server has sent `count` responses in all. */
  answered(count: number): Promise<void>
  stop(): Promise<void>
}

type Scripted = Exclude<Answer, 'validate' | 'hang' | { http: number } | { after: Promise<unknown> }>

const TOKEN_LENGTH = 32

/** A ykval speaking the validation protocol 2.0 on a loopback port, for tests. */
export async function startValidationServer(options: ValidationServerOptions): Promise<ValidationServer> {
  const queue: Answer[] = []
  const requests: Record<string, string>[] = []
  // Per public id (per OTP when no keys are given): the highest counter accepted, and its (otp, nonce).
  const seenRequest = new Map<string, string>()
  const lastCounter = new Map<string, number>()

  let sent = 0
  const waiters: { count: number; resolve: () => void }[] = []
  const countSent = () => {
    sent++
    for (const waiter of waiters.filter((w) => w.count <= sent)) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve()
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res)
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://validation.test')
    if (url.pathname !== '/wsapi/2.0/verify') {
      res.writeHead(404).end()
      return
    }
    const params = Object.fromEntries(url.searchParams)
    requests.push(params)
    let answer = queue.shift() ?? 'validate'
    while (typeof answer === 'object' && 'after' in answer) {
      await answer.after
      answer = answer.answer ?? 'validate'
    }
    if (answer === 'hang') return
    res.once('finish', countSent)
    if (typeof answer === 'object') {
      res.writeHead(answer.http).end()
      return
    }
    respond(res, answer === 'validate' ? validate(params) : scripted(answer, params))
  }

  function scripted(answer: Scripted, params: Record<string, string>): Reply {
    const apiKey = Buffer.from(options.clients[params.id ?? ''] ?? '', 'base64')
    const echo = { otp: params.otp ?? '', nonce: params.nonce ?? '', sl: '100' }
    switch (answer) {
      case 'bad_signature':
        return { key: Buffer.from('not the api key'), status: 'OK', extra: echo }
      case 'unsigned_no_such_client':
        return { key: Buffer.alloc(0), status: 'NO_SUCH_CLIENT' }
      case 'wrong_nonce':
        return { key: apiKey, status: 'OK', extra: { ...echo, nonce: 'x'.repeat(32) } }
      case 'no_echo':
        return { key: apiKey, status: 'OK' }
      case 'wrong_otp':
        return { key: apiKey, status: 'OK', extra: { ...echo, otp: otherOtp(echo.otp) } }
      default:
        return { key: apiKey, status: answer, extra: echo }
    }
  }

  function validate(params: Record<string, string>): Reply {
    const { id, otp, nonce, h } = params
    // Before the client is known there is no key to sign with: ykval signs with an empty one.
    if (!id || !/^\d+$/.test(id) || !nonce || !/^[A-Za-z0-9]{16,40}$/.test(nonce) || !otp) {
      return { key: Buffer.alloc(0), status: 'MISSING_PARAMETER' }
    }
    const secret = options.clients[id]
    if (secret === undefined) return { key: Buffer.alloc(0), status: 'NO_SUCH_CLIENT' }
    const key = Buffer.from(secret, 'base64')
    if (h !== undefined) {
      const { h: _, ...signed } = params
      const expected = Buffer.from(sign(signed, key))
      const given = Buffer.from(h)
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return { key, status: 'BAD_SIGNATURE' }
      }
    }
    // ykval leaves otp and nonce out of a BAD_OTP answer.
    if (!/^[cbdefghijklnrtuv]{33,48}$/.test(otp)) return { key, status: 'BAD_OTP' }
    const publicId = otp.slice(0, -TOKEN_LENGTH)
    let counter = 0
    if (options.keys !== undefined) {
      const identity = options.keys.find((k) => k.publicId === publicId)
      const fields = identity === undefined ? null : decodeOtp(otp, identity.aesKey)
      if (identity === undefined || fields === null || fields.privateId !== identity.privateId) {
        return { key, status: 'BAD_OTP' }
      }
      counter = (fields.useCounter << 8) | fields.sessionCounter
    }
    const replayKey = options.keys === undefined ? otp : publicId
    const last = lastCounter.get(replayKey)
    if (last !== undefined && counter <= last) {
      const sameRequest = counter === last && seenRequest.get(replayKey) === `${otp}:${nonce}`
      return { key, status: sameRequest ? 'REPLAYED_REQUEST' : 'REPLAYED_OTP' }
    }
    lastCounter.set(replayKey, counter)
    seenRequest.set(replayKey, `${otp}:${nonce}`)
    return { key, status: 'OK', extra: { otp, nonce, sl: '100' } }
  }

  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/wsapi/2.0/verify`,
    requests,
    answerNext: (...answers) => {
      queue.push(...answers)
    },
    answered: (count) =>
      count <= sent ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
    async stop() {
      // A hanging request holds its connection; end them all rather than wait.
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}

/** The same OTP with its last character changed: what a cut-and-paste attacker would echo. */
function otherOtp(otp: string): string {
  return `${otp.slice(0, -1)}${otp.endsWith('c') ? 'b' : 'c'}`
}

/** The protocol's signature: HMAC-SHA1 over the sorted `k=v&…` line, base64. */
export function sign(fields: Record<string, string>, key: Buffer): string {
  const line = Object.entries(fields)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
  return createHmac('sha1', key).update(line).digest('base64')
}

interface Reply {
  /** The key the response is signed with. */
  key: Buffer
  status: ServerStatus
  extra?: Record<string, string>
}

function respond(res: ServerResponse, { key, status, extra }: Reply): void {
  const fields = { t: timestamp(), ...extra, status }
  const lines = [`h=${sign(fields, key)}`, ...Object.entries(fields).map(([k, v]) => `${k}=${v}`)]
  res.writeHead(200, { 'content-type': 'text/plain' }).end(`${lines.join('\r\n')}\r\n\r\n`)
}

/** ykval's `t`: UTC time with milliseconds, e.g. 2008-11-21T06:11:55Z0711. */
function timestamp(): string {
  const now = new Date()
  return `${now.toISOString().slice(0, 19)}Z0${String(now.getUTCMilliseconds()).padStart(3, '0')}`
}

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export interface CloudSettings {
  /** Full verify URLs (`…/wsapi/2.0/verify`), queried in parallel. */
  servers: readonly string[]
  clientId: string
  /** The API key as issued, base64. */
  apiKey: string
  /** Per request, connection to last byte. */
  timeoutMs: number
  /** `sl`: percentage of the servers' sync pool that must agree, or the server's "fast"/"secure". */
  syncLevel?: number | 'fast' | 'secure'
  /** `timeout`: seconds a server may wait for its sync pool. */
  syncTimeoutSeconds?: number
}

/**
 * Why an OTP was not accepted. The server's statuses, lower-cased (REPLAYED_OTP is `replayed`), plus
 * `bad_response` (a response that is unsigned, forged, or echoes another otp or nonce) and
 * `unavailable` (no answer at all: refused, timed out, an HTTP error).
 */
export type CloudFailure =
  | 'replayed'
  | 'bad_otp'
  | 'bad_signature'
  | 'missing_parameter'
  | 'no_such_client'
  | 'operation_not_allowed'
  | 'backend_error'
  | 'not_enough_answers'
  | 'replayed_request'
  | 'bad_response'
  | 'unavailable'

export type CloudVerdict = { ok: true; server: string } | { ok: false; reason: CloudFailure; detail: string }

/**
 * Statuses that settle the question, so the first of them wins. The others say nothing about the OTP:
 * REPLAYED_REQUEST is what the rest of a sync pool answers once one server has taken our (otp, nonce),
 * BACKEND_ERROR and NOT_ENOUGH_ANSWERS are a server's own trouble; another server may still answer.
 */
const definitive = new Map<string, CloudFailure | 'accept'>([
  ['OK', 'accept'],
  ['REPLAYED_OTP', 'replayed'],
  ['BAD_OTP', 'bad_otp'],
  ['BAD_SIGNATURE', 'bad_signature'],
  ['MISSING_PARAMETER', 'missing_parameter'],
  ['NO_SUCH_CLIENT', 'no_such_client'],
  ['OPERATION_NOT_ALLOWED', 'operation_not_allowed'],
])
const transient = new Map<string, CloudFailure>([
  ['BACKEND_ERROR', 'backend_error'],
  ['NOT_ENOUGH_ANSWERS', 'not_enough_answers'],
  ['REPLAYED_REQUEST', 'replayed_request'],
])

/** When no server settles it, the most telling of their answers is reported. */
const missOrder: readonly CloudFailure[] = [
  'no_such_client',
  'operation_not_allowed',
  'missing_parameter',
  'bad_signature',
  'bad_otp',
  'replayed',
  'backend_error',
  'not_enough_answers',
  'replayed_request',
  'bad_response',
  'unavailable',
]

/** A verify response is a few short lines; anything much larger is not one. */
const MAX_RESPONSE_BYTES = 4096

type Answer =
  | { settled: true; verdict: CloudVerdict }
  | { settled: false; reason: CloudFailure; detail: string }

/**
 * A client of the Yubico validation protocol 2.0 (`/wsapi/2.0/verify`), for YubiCloud or self-hosted
 * ykval servers. Requests are signed with HMAC-SHA1 under the API key; a response counts only when
 * its signature verifies (compared in constant time) and it echoes our otp and nonce, which defeats
 * a response copied from another request. Every server gets the same request at once and the first
 * definitive answer wins; when none gives one within the timeout, the verdict is a refusal.
 */
export class CloudValidation {
  readonly #key: Buffer

  constructor(private readonly settings: CloudSettings) {
    if (settings.servers.length === 0) throw new TypeError('at least one validation server is needed')
    this.#key = Buffer.from(settings.apiKey, 'base64')
    if (this.#key.length === 0) throw new TypeError('the API key must be non-empty base64')
  }

  /** `otp` as parsed (gateway/factors/yubico-otp/otp.ts): trimmed, lower-case modhex. */
  async verify(otp: string): Promise<CloudVerdict> {
    // One nonce for all servers: a pool that syncs then answers the losers REPLAYED_REQUEST, not
    // REPLAYED_OTP, so a fast second server cannot refuse an OTP the first one accepted.
    const nonce = randomBytes(16).toString('hex')
    const params: Record<string, string> = { id: this.settings.clientId, otp, nonce }
    const { syncLevel, syncTimeoutSeconds } = this.settings
    if (syncLevel !== undefined) params.sl = String(syncLevel)
    if (syncTimeoutSeconds !== undefined) params.timeout = String(syncTimeoutSeconds)
    const query = new URLSearchParams({ ...params, h: sign(params, this.#key) }).toString()

    const race = new AbortController()
    try {
      return await firstSettled(
        this.settings.servers.map((server) => this.#ask(server, query, { otp, nonce }, race.signal)),
      )
    } finally {
      race.abort()
    }
  }

  async #ask(
    server: string,
    query: string,
    sent: { otp: string; nonce: string },
    race: AbortSignal,
  ): Promise<Answer> {
    const url = new URL(server)
    url.search = query
    let text: string | null
    try {
      const response = await fetch(url, {
        signal: AbortSignal.any([race, AbortSignal.timeout(this.settings.timeoutMs)]),
        redirect: 'error',
        headers: { accept: 'text/plain', 'user-agent': 'tapgate' },
      })
      if (!response.ok) {
        await response.body?.cancel()
        return miss('unavailable', `${server}: HTTP ${response.status}`)
      }
      text = await readCapped(response, MAX_RESPONSE_BYTES)
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError'
      const why = timedOut ? `no answer within ${this.settings.timeoutMs} ms` : messageOf(error)
      return miss('unavailable', `${server}: ${why}`)
    }
    if (text === null)
      return miss('bad_response', `${server}: response longer than ${MAX_RESPONSE_BYTES} bytes`)
    return this.#judge(server, text, sent)
  }

  #judge(server: string, text: string, sent: { otp: string; nonce: string }): Answer {
    const fields = parseResponse(text)
    if (fields === null) return miss('bad_response', `${server}: not a verify response`)
    const { h, ...signed } = fields
    const status = signed.status
    if (h === undefined || status === undefined) {
      return miss('bad_response', `${server}: response without ${h === undefined ? 'h' : 'status'}`)
    }
    const outcome = definitive.get(status) ?? transient.get(status)
    if (!signatureMatches(signed, h, this.#key)) {
      // A server that cannot tell who we are signs with an empty key. Such an answer cannot be told
      // from a forgery, so it never settles the question, but it names the likely mistake.
      if (outcome !== undefined && outcome !== 'accept' && signatureMatches(signed, h, Buffer.alloc(0))) {
        const hint = status === 'NO_SUCH_CLIENT' ? ': check client_id' : ''
        return miss(outcome, `${server}: ${status} (signed without a key${hint})`)
      }
      return miss('bad_response', `${server}: ${status}, but the signature does not verify (check api_key)`)
    }
    // Error responses may leave the echo out (ykval does for BAD_OTP); what is there must match.
    const mustEcho = status === 'OK'
    for (const name of ['otp', 'nonce'] as const) {
      const echoed = signed[name]
      if (echoed === undefined && mustEcho)
        return miss('bad_response', `${server}: ${status} without the ${name}`)
      if (echoed !== undefined && echoed !== sent[name]) {
        return miss('bad_response', `${server}: ${status} for another ${name} than the one sent`)
      }
    }
    if (outcome === undefined) return miss('bad_response', `${server}: unknown status ${status}`)
    if (outcome === 'accept') return { settled: true, verdict: { ok: true, server } }
    if (transient.has(status)) return miss(outcome, `${server}: ${status}`)
    return { settled: true, verdict: { ok: false, reason: outcome, detail: `${server}: ${status}` } }
  }
}

/** HMAC-SHA1 over `k=v&…` with the keys sorted, base64: how both sides of the protocol sign. */
export function sign(params: Record<string, string>, key: Buffer): string {
  const line = Object.keys(params)
    .sort()
    .map((name) => `${name}=${params[name]}`)
    .join('&')
  return createHmac('sha1', key).update(line).digest('base64')
}

function signatureMatches(signed: Record<string, string>, h: string, key: Buffer): boolean {
  const expected = Buffer.from(sign(signed, key))
  const given = Buffer.from(h)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/** `key=value` lines, split at the first '=' (base64 values end in '='); null when malformed. */
export function parseResponse(text: string): Record<string, string> | null {
  const fields: Record<string, string> = Object.create(null)
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue
    const at = line.indexOf('=')
    if (at <= 0) return null
    const name = line.slice(0, at).trim()
    if (name in fields) return null
    fields[name] = line.slice(at + 1).trim()
  }
  return fields
}

function firstSettled(answers: Promise<Answer>[]): Promise<CloudVerdict> {
  return new Promise((resolve) => {
    const misses: Extract<Answer, { settled: false }>[] = []
    for (const pending of answers) {
      void pending.then((answer) => {
        if (answer.settled) return resolve(answer.verdict)
        misses.push(answer)
        if (misses.length < answers.length) return
        const reason = missOrder.find((r) => misses.some((m) => m.reason === r)) ?? 'unavailable'
        resolve({ ok: false, reason, detail: misses.map((m) => m.detail).join('; ') })
      })
    }
  })
}

async function readCapped(response: Response, maxBytes: number): Promise<string | null> {
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      return null
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function miss(reason: CloudFailure, detail: string): Answer {
  return { settled: false, reason, detail }
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  // fetch says only "fetch failed"; the cause says why (ECONNREFUSED, a redirect, …).
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ''
  return `${error.message}${cause}`
}

import http, {
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http'
import https from 'node:https'
import type { Readable } from 'node:stream'
import { downstreamResponseHeaders } from './header-hygiene.ts'

export class UpstreamError extends Error {
  override name = 'UpstreamError'
  constructor(
    readonly kind: 'timeout' | 'unreachable',
    cause: unknown,
  ) {
    super(kind === 'timeout' ? 'upstream did not answer in time' : 'upstream unreachable', { cause })
  }
}

/**
 * How a request to the panel fails: a socket error is 'unreachable', and no answer head within
 * `timeoutMs` of the last byte sent is 'timeout'. `fail` is for the caller's own failures too;
 * `answered` stops the clock.
 */
export function watchForAnswer(
  outgoing: ClientRequest,
  timeoutMs: number,
  reject: (error: UpstreamError) => void,
): { fail: (error: UpstreamError) => void; answered: () => void } {
  let timer: NodeJS.Timeout | undefined
  const fail = (error: UpstreamError) => {
    clearTimeout(timer)
    outgoing.destroy()
    reject(error)
  }
  outgoing.on('error', (error) => fail(new UpstreamError('unreachable', error)))
  outgoing.on('finish', () => {
    timer = setTimeout(() => fail(new UpstreamError('timeout', null)), timeoutMs)
  })
  return { fail, answered: () => clearTimeout(timer) }
}

export interface UpstreamRequest {
  method: string
  /** Normalised path plus the untouched query string. */
  target: string
  headers: OutgoingHttpHeaders
  /** The client's body, streamed; or a buffered body (the login form tapgate had to read). */
  body: Readable | Buffer | null
}

/**
 * The panel, reached over node:http with a keep-alive agent. Bodies stream in both directions with
 * backpressure (hono's fetch-based proxy() buffers uploads whole: see LIBRARIES.md §5).
 */
export class Upstream {
  readonly host: string
  readonly #url: URL
  readonly #agent: http.Agent
  readonly #request: typeof http.request
  readonly #timeoutMs: number

  /** `onHeaders` hears how long each answer's headers took, in seconds (for the metrics). */
  constructor(
    url: string,
    timeoutMs: number,
    private readonly onHeaders: (seconds: number) => void = () => {},
  ) {
    this.#url = new URL(url)
    this.host = this.#url.host
    const secure = this.#url.protocol === 'https:'
    this.#agent = new (secure ? https.Agent : http.Agent)({
      keepAlive: true,
      maxSockets: 256,
      scheduling: 'lifo',
    })
    this.#request = secure ? https.request : http.request
    this.#timeoutMs = timeoutMs
  }

  /**
   * Resolves with the panel's response once its headers arrive. The timeout covers only the wait for
   * those headers (counted from the last byte sent); a long download or event stream is never cut.
   */
  send(request: UpstreamRequest): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const outgoing = this.#request({
        protocol: this.#url.protocol,
        hostname: this.#url.hostname,
        port: this.#url.port,
        method: request.method,
        path: request.target,
        headers: request.headers,
        agent: this.#agent,
      })
      const started = performance.now()
      const { fail, answered } = watchForAnswer(outgoing, this.#timeoutMs, reject)
      outgoing.on('response', (response) => {
        answered()
        this.onHeaders((performance.now() - started) / 1000)
        resolve(response)
      })
      if (request.body === null) outgoing.end()
      else if (Buffer.isBuffer(request.body)) outgoing.end(request.body)
      else {
        const body = request.body
        body.pipe(outgoing)
        // A client that goes away mid-upload must not leave a half-sent request open upstream.
        body.on('close', () => {
          if (!body.readableEnded)
            fail(new UpstreamError('unreachable', new Error('client aborted the upload')))
        })
      }
    })
  }

  close(): void {
    this.#agent.destroy()
  }
}

/** Streams the panel's response to the client, adding tapgate's own Set-Cookie values if any. */
export function relayResponse(
  response: IncomingMessage,
  client: ServerResponse,
  extraSetCookies: readonly string[] = [],
) {
  const headers = downstreamResponseHeaders(response.rawHeaders)
  for (const cookie of extraSetCookies) headers.push('Set-Cookie', cookie)
  client.writeHead(response.statusCode ?? 502, response.statusMessage, headers)
  response.pipe(client)
  // The client hung up: stop reading from the panel instead of buffering the rest.
  client.on('close', () => {
    if (!client.writableFinished) response.destroy()
  })
  response.on('error', () => client.destroy())
}

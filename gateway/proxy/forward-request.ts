import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http'
import https from 'node:https'
import type { Readable, Transform } from 'node:stream'
import type { ConnectionOptions } from 'node:tls'
import { downstreamResponseHeaders } from './header-hygiene.ts'
import { requestUpgrade, type UpgradeAnswer, type UpgradeRequest } from './upgrade-request.ts'
import { UpstreamError, watchForAnswer } from './upstream-error.ts'

export interface UpstreamRequest {
  method: string
  /** Normalised path plus the untouched query string. */
  target: string
  headers: OutgoingHttpHeaders
  /** The client's body, streamed; or a buffered body (the login form tapgate had to read). */
  body: Readable | Buffer | null
}

export interface UpstreamSettings {
  /** upstream.timeout: the wait for an answer's head, counted from the last byte sent. */
  timeoutMs: number
  /** upstream.pool.max_sockets: connections to the panel at once. */
  maxSockets: number
  /** upstream.pool.socket_wait: how long a request may wait for one of them when all are busy. */
  socketWaitMs: number
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
  readonly #socketWaitMs: number
  readonly #tls: ConnectionOptions

  /**
   * `tls` applies to an https:// panel (its CA, the name its certificate carries); `onHeaders` hears
   * how long each answer's headers took, in seconds (for the metrics).
   */
  constructor(
    url: string,
    { timeoutMs, maxSockets, socketWaitMs }: UpstreamSettings,
    tls: ConnectionOptions = {},
    private readonly onHeaders: (seconds: number) => void = () => {},
  ) {
    this.#url = new URL(url)
    this.host = this.#url.host
    const secure = this.#url.protocol === 'https:'
    // An agent's own options win over each request's, so the servername here is the one checked.
    this.#agent = secure
      ? new https.Agent({ ...tls, keepAlive: true, maxSockets, scheduling: 'lifo' })
      : new http.Agent({ keepAlive: true, maxSockets, scheduling: 'lifo' })
    this.#tls = tls
    this.#request = secure ? https.request : http.request
    this.#timeoutMs = timeoutMs
    this.#socketWaitMs = socketWaitMs
  }

  /** Asks the panel to switch protocols for one request (gateway/proxy/upgrade-request.ts). */
  upgrade(request: UpgradeRequest, signal: AbortSignal): Promise<UpgradeAnswer> {
    return requestUpgrade(this.#url, this.#timeoutMs, this.#tls, request, signal)
  }

  /**
   * Resolves with the panel's response once its headers arrive. The timeout covers only the wait for
   * those headers (counted from the last byte sent); a long download or event stream is never cut.
   * Before that, a request that finds every connection busy waits in the agent's queue for at most
   * socket_wait ('busy'): without it, clients holding the pool would make everyone else hang.
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
      const queued = setTimeout(() => fail(new UpstreamError('busy', null)), this.#socketWaitMs)
      outgoing.once('socket', () => clearTimeout(queued))
      outgoing.once('close', () => clearTimeout(queued))
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

/**
 * Streams the panel's response to the client, with `headers` (the panel's, cleaned) as its head;
 * `insertion` adds to the page on the way (the account link, account-link.ts).
 */
export function relayResponse(
  response: IncomingMessage,
  client: ServerResponse,
  headers: string[] = downstreamResponseHeaders(response.rawHeaders),
  insertion: Transform | null = null,
) {
  if (insertion === null) {
    client.writeHead(response.statusCode ?? 502, response.statusMessage, headers)
    response.pipe(client)
  } else {
    // The page grows by the link: it goes chunked, as its length is no longer the panel's.
    client.writeHead(response.statusCode ?? 502, response.statusMessage, withoutContentLength(headers))
    response.pipe(insertion).pipe(client)
  }
  // The client hung up: stop reading from the panel instead of buffering the rest.
  client.on('close', () => {
    if (!client.writableFinished) response.destroy()
  })
  response.on('error', () => client.destroy())
}

/** The panel's response whose body tapgate already read (`readAnswerText`), sent on whole. */
export function sendAnswer(
  response: IncomingMessage,
  client: ServerResponse,
  headers: string[],
  body: Buffer,
) {
  const kept = withoutContentLength(headers)
  kept.push('Content-Length', String(body.length))
  client.writeHead(response.statusCode ?? 502, response.statusMessage, kept).end(body)
}

/** A raw header list without its Content-Length, for a body that is not the panel's own length. */
function withoutContentLength(headers: readonly string[]): string[] {
  const kept: string[] = []
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() !== 'content-length') kept.push(headers[i]!, headers[i + 1]!)
  }
  return kept
}

/**
 * Up to `limit` bytes of a panel answer's body: enough to read whom it signed in. The rest is
 * drained, not kept, so a huge answer cannot fill memory.
 */
export function readAnswerText(response: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    response.on('data', (chunk: Buffer) => {
      if (size < limit) chunks.push(chunk.subarray(0, limit - size))
      size += chunk.length
    })
    response.on('end', () => resolve(Buffer.concat(chunks)))
    response.on('error', reject)
  })
}

import type { ServerResponse } from 'node:http'
import { PassThrough, type Readable, type Transform } from 'node:stream'
import type { ConnectionOptions } from 'node:tls'
import { buildConnector, type Dispatcher, Pool } from 'undici'
import { downstreamResponseHeaders, type HeaderList } from './header-hygiene.ts'
import { PanelCall } from './panel-call.ts'
import { requestUpgrade, type UpgradeAnswer, type UpgradeRequest } from './upgrade-request.ts'
import type { UpstreamAnswer } from './upstream-answer.ts'
import { UpstreamError } from './upstream-error.ts'

export interface UpstreamRequest {
  method: string
  /** Normalised path plus the untouched query string. */
  target: string
  headers: HeaderList
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
 * The panel, reached with an undici pool: the cheapest HTTP client in Node measured here (LIBRARIES.md
 * §11, `npm run bench`). Bodies stream in both directions with backpressure (hono's fetch-based
 * proxy() buffers uploads whole: LIBRARIES.md §5). Upgrade requests go on node:http, each on a
 * connection of its own (upgrade-request.ts).
 */
export class Upstream {
  readonly host: string
  readonly #url: URL
  readonly #pool: Pool
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
    this.#pool = new Pool(this.#url.origin, {
      connections: maxSockets,
      // The timeouts are tapgate's own (send): undici's would cut a long download or event stream.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: connectorFor(this.#url, tls),
    })
    this.#tls = tls
    this.#timeoutMs = timeoutMs
    this.#socketWaitMs = socketWaitMs
  }

  /** Asks the panel to switch protocols for one request (gateway/proxy/upgrade-request.ts). */
  upgrade(request: UpgradeRequest, signal: AbortSignal): Promise<UpgradeAnswer> {
    return requestUpgrade(this.#url, this.#timeoutMs, this.#tls, request, signal)
  }

  /**
   * Resolves with the panel's answer once its headers arrive. The timeout covers only the wait for
   * those headers (counted from the last byte sent); a long download or event stream is never cut.
   * Before that, a request that finds every connection busy waits in the pool's queue for at most
   * socket_wait ('busy'): without it, clients holding the pool would make everyone else hang. The
   * wait ends when the request is written to a connection (undici's onConnect), a new one included.
   */
  send(request: UpstreamRequest): Promise<UpstreamAnswer> {
    return new Promise((resolve, reject) => {
      const call = new PanelCall(resolve, reject, this.#timeoutMs, this.onHeaders)
      const { body } = request
      if (body !== null && !Buffer.isBuffer(body)) {
        // A client that goes away mid-upload must not leave a half-sent request open upstream.
        body.once('close', () => {
          if (!body.readableEnded)
            call.fail(new UpstreamError('unreachable', new Error('client aborted the upload')))
        })
      }
      const options: PanelDispatch = {
        method: request.method,
        path: request.target,
        headers: request.headers,
        // Through a stream of its own: undici destroys a stream body once sent, and an IncomingMessage
        // it would also cut loose from its socket, which tapgate still answers on.
        body: body === null || Buffer.isBuffer(body) ? body : body.pipe(new PassThrough()),
        // One name for every request (undici reads it, untyped): it would take each one's from its
        // Host header, and close a connection whose name changes. connectorFor picks the name checked.
        servername: this.#url.hostname,
      }
      // false: every connection is busy and the request waits in the pool's queue.
      if (!this.#pool.dispatch(options, call)) call.waitForConnection(this.#socketWaitMs)
    })
  }

  close(): void {
    this.#pool.destroy().catch(() => {})
  }
}

/**
 * How the pool connects: plain TCP, or TLS checked against `upstream.tls.server_name`, else the URL's
 * host name (none for an IP address, whose certificate is checked against the address), as
 * node:https would. Never a request's Host header, from which undici would take it.
 */
function connectorFor(url: URL, tls: ConnectionOptions): buildConnector.connector {
  const connect = buildConnector({ ...tls })
  if (url.protocol !== 'https:') return connect
  return ({ servername: _fromHostHeader, ...options }, callback) => connect(options, callback)
}

/** undici's dispatch reads a servername at run time, though its types do not say so. */
type PanelDispatch = Dispatcher.DispatchOptions & { servername: string }

/**
 * Streams the panel's response to the client, with `headers` (the panel's, cleaned) as its head;
 * `insertion` adds to the page on the way (the account link, account-link.ts).
 */
export function relayResponse(
  answer: UpstreamAnswer,
  client: ServerResponse,
  headers: string[] = downstreamResponseHeaders(answer.rawHeaders),
  insertion: Transform | null = null,
) {
  // The page grows by the link: it goes chunked, as its length is no longer the panel's.
  const head = insertion === null ? headers : withoutContentLength(headers)
  client.writeHead(answer.statusCode, answer.statusMessage, head)
  answer.relayTo(client, insertion)
}

/** The panel's response whose body tapgate already read (`UpstreamAnswer.readText`), sent on whole. */
export function sendAnswer(answer: UpstreamAnswer, client: ServerResponse, headers: string[], body: Buffer) {
  const kept = withoutContentLength(headers)
  kept.push('Content-Length', String(body.length))
  client.writeHead(answer.statusCode, answer.statusMessage, kept).end(body)
}

/** A raw header list without its Content-Length, for a body that is not the panel's own length. */
function withoutContentLength(headers: readonly string[]): string[] {
  const kept: string[] = []
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() !== 'content-length') kept.push(headers[i]!, headers[i + 1]!)
  }
  return kept
}

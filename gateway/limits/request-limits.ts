import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { Config } from '../config/schema.ts'
import { sendProblem } from '../errors.tsx'
import { addressBlock } from '../http/address-block.ts'
import { resolveClientAddress } from '../http/client-address.ts'
import type { NetworkSet } from '../http/networks.ts'
import type { PageSite } from '../http/page-look.ts'
import { requestIdOf } from '../http/request-id.ts'
import { headWritten } from '../http/response-head-event.ts'
import type { Metrics } from '../observability/metrics.ts'
import { type BodyPace, type TooSlow, watchBodyPace } from './body-pace.ts'
import { ClientConcurrency } from './client-concurrency.ts'

/** What a client over its cap is told to wait: the requests it has in progress are usually short. */
export const retryAfterMs = 1_000

/**
 * `limits`, applied to every request before anything else reads it (DESIGN invariant 14): one client
 * cannot hold every connection tapgate serves or makes to the panel, by opening many requests or by
 * sending their bodies slowly.
 */
export class RequestLimits {
  readonly #pace: BodyPace
  readonly #concurrency: ClientConcurrency
  /** Requests whose body was cut: they have had their answer (or lost their connection). */
  readonly #cut = new WeakSet<IncomingMessage>()

  constructor(
    limits: Config['limits'],
    /** Whose error pages a refused request gets. */
    private readonly site: PageSite,
    private readonly trustedProxies: NetworkSet,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {
    this.#pace = {
      idleMs: limits.body_idle_timeout,
      minBytesPerSecond: limits.body_min_rate,
      graceMs: limits.body_rate_grace,
    }
    this.#concurrency = new ClientConcurrency(limits.per_ip_concurrency)
  }

  /**
   * Whether the request may go on; if not, it has been answered 429. It counts against its client
   * from arrival until its answer's head is written and its body is in (or its connection is gone):
   * until then it holds tapgate, and perhaps a connection to the panel, while the client sends or the
   * panel thinks; a panel that answers before reading a body still gets the rest of it. After that
   * what remains is the client's own to read, and an event stream, a download or a long poll lasts as
   * long as it lasts: counted to its end, a few of them would use up the cap.
   */
  admit(incoming: IncomingMessage, outgoing: ServerResponse): boolean {
    const release = this.#enter(incoming)
    if (release === null) {
      outgoing.shouldKeepAlive = false
      sendProblem(incoming, outgoing, 'too_many_requests', this.site, { retryAfterMs })
      return false
    }
    const hasBody =
      (incoming.headers['content-length'] ?? '0') !== '0' ||
      incoming.headers['transfer-encoding'] !== undefined
    // `on`, not `once`: release() counts once however often it is called, and this is every request.
    let answered = false
    let bodyIn = !hasBody
    const settle = () => {
      bodyIn ||= incoming.complete
      if (answered && bodyIn) release()
    }
    const onAnswer = () => {
      answered = true
      settle()
    }
    outgoing.on(headWritten, onAnswer)
    outgoing.on('close', onAnswer)
    if (hasBody) {
      const onBodyIn = () => {
        bodyIn = true
        settle()
      }
      incoming.on('end', onBodyIn)
      incoming.on('close', onBodyIn)
      watchBodyPace(incoming, this.#pace, (why) => this.#tooSlow(incoming, outgoing, why))
    }
    return true
  }

  /**
   * For an Upgrade request, which node:http hands over without a response: its place among its
   * client's requests, for the caller to release once the handshake is over; null when refused.
   */
  admitHandshake(incoming: IncomingMessage): (() => void) | null {
    return this.#enter(incoming)
  }

  /** Whether the request's body was cut for its pace: answered already, nothing more to say or log. */
  wasCut(incoming: IncomingMessage): boolean {
    return this.#cut.has(incoming)
  }

  #enter(incoming: IncomingMessage): (() => void) | null {
    const address = resolveClientAddress(
      incoming.socket.remoteAddress ?? '',
      incoming.headers['x-forwarded-for'],
      this.trustedProxies,
    )
    const release = this.#concurrency.enter(address)
    if (release === null) {
      this.log.warn(
        { event: 'too_many_requests', ip: addressBlock(address), requestId: requestIdOf(incoming) },
        `more than ${this.#concurrency.max} requests at once from one client address: refused`,
      )
      this.metrics.limited.inc({ limit: 'per_ip_concurrency' })
    }
    return release
  }

  #tooSlow(incoming: IncomingMessage, outgoing: ServerResponse, why: TooSlow) {
    this.#cut.add(incoming)
    const limit = why === 'idle' ? 'body_idle_timeout' : 'body_min_rate'
    this.log.warn(
      { event: 'request_body_too_slow', limit, requestId: requestIdOf(incoming) },
      why === 'idle' ? 'a request body went silent: cut' : 'a request body came too slowly: cut',
    )
    this.metrics.limited.inc({ limit })
    // Whoever reads the body (the pipe to the panel, the login form's reader) sees it fail, so the
    // panel's request is aborted. Destroyed by hand: once its answer is out, node:http no longer
    // ends a request when its connection closes.
    const failure = new Error(`request body cut (${limit})`)
    if (outgoing.headersSent) return void incoming.destroy(failure)
    outgoing.shouldKeepAlive = false
    outgoing.once('finish', () => incoming.destroy(failure))
    sendProblem(incoming, outgoing, 'body_too_slow', this.site)
  }
}

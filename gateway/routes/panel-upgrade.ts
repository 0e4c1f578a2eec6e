import { type IncomingMessage, STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { type ProblemCode, problemForFailure, problems } from '../errors.tsx'
import { framingFault } from '../http/request-framing.ts'
import { assignRequestId } from '../http/request-id.ts'
import { retryAfterMs } from '../limits/request-limits.ts'
import { withJar } from '../panel-session/panel-jar.ts'
import { downstreamResponseHeaders } from '../proxy/header-hygiene.ts'
import { clientFacts, gatewayCookies, panelRequestHeaders } from '../proxy/panel-request.ts'
import { UpstreamError } from '../proxy/upstream-error.ts'
import { upstreamProblem } from '../proxy/upstream-failure.ts'
import type { Services } from '../services.ts'
import { isVerified, panelAccess, sessionOf } from './panel-access.ts'

/**
 * WebSockets and other Upgrade requests to the panel (panel consoles, live logs). They never reach
 * hono or panel-traffic.ts: node:http hands them to the server's 'upgrade' event with the raw socket.
 * Each passes exactly the checks a GET of its path passes (panel-access.ts), except that a missing
 * session is always a 401: a WebSocket client cannot follow a redirect to the login page. Refusals
 * are written on the socket as plain HTTP/1.1 JSON problems; once the panel answers 101 the two
 * connections are spliced, and when either closes or fails the other goes too.
 */
export function panelUpgrade(
  s: Services,
  /** Client sockets of handshakes and tunnels, so that shutdown can end them (config reloads included). */
  open: Set<Duplex>,
) {
  const decide = panelAccess(s)

  return (incoming: IncomingMessage, socket: Duplex, head: Buffer): void => {
    open.add(socket)
    socket.once('close', () => open.delete(socket))
    // node:http took its own error listener off this socket; an unhandled reset would end the process.
    socket.on('error', (error) => s.log.debug({ event: 'upgrade_socket_error', err: error.message }))
    assignRequestId(incoming, s.trustedProxies)
    // One of its client's requests until the handshake is answered (limits/request-limits.ts): the
    // tunnel after it may last for hours.
    const release = s.limits.admitHandshake(incoming)
    if (release === null) return void refuse(socket, 'too_many_requests', retryAfterMs)
    route(incoming, socket, head)
      .catch((error: unknown) => refuse(socket, problemForFailure(error, s.log)))
      .finally(release)
  }

  async function route(incoming: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const fault = framingFault(incoming)
    if (fault !== null) {
      s.log.warn({ event: 'request_refused', reason: fault }, 'an ambiguous Upgrade request was refused')
      return refuse(socket, 'bad_request')
    }
    const method = incoming.method ?? 'GET'
    const facts = clientFacts(incoming, s)
    const access = decide(incoming, incoming.url ?? '', method, facts.clientIp)
    if (access.refused !== null) return refuse(socket, access.refused)
    const { path, query } = access.target
    // node:http leaves a body of an Upgrade request unread on the socket, where it would reach the
    // panel unframed; tapgate's watch over the login form and logout only sees plain requests.
    const hasBody =
      (incoming.headers['content-length'] ?? '0') !== '0' ||
      incoming.headers['transfer-encoding'] !== undefined
    if (hasBody || s.panelLogin.mayBeLogin(path, query) || s.panelLogin.isLogout(path, query))
      return refuse(socket, 'bad_request')

    const { session: token, panel: browserCookies } = gatewayCookies(s, incoming.headers.cookie)
    const { decision } = access
    if (decision.policy === 'deny') return refuse(socket, 'forbidden')
    const session = await sessionOf(s, token)
    if (decision.policy === 'two_factor' && !isVerified(session)) return refuse(socket, 'unauthorized')
    if (socket.destroyed) return

    // Like any request: the browser's panel session cookies never reach the panel, a verified user's jar does.
    const verified = isVerified(session) ? session : null
    const cookies = s.panelCookies.withoutPanelCookies(browserCookies)
    const jar = verified === null ? null : s.panelJars.open(verified.user, verified.panelJar)
    const identity = decision.policy === 'two_factor' ? (verified?.user ?? null) : null
    const headers = panelRequestHeaders(
      s,
      incoming,
      facts,
      jar === null ? cookies : withJar(jar, cookies),
      identity,
    )
    // Hop-by-hop for every other request, but asking for the upgrade is what this hop is for.
    headers.push('connection', 'Upgrade', 'upgrade', incoming.headers.upgrade ?? '')
    const abort = new AbortController()
    const abandon = () => abort.abort()
    socket.once('close', abandon)
    try {
      const answer = await s.upstream.upgrade({ method, target: path + query, headers }, abort.signal)
      // A session cookie set on a handshake is dropped like any the panel sets outside a sign-in.
      const answerHeaders = [...answer.response.rawHeaders]
      s.panelCookies.takeFrom(answerHeaders)
      if (answer.switched) splice(socket, head, answer.response, answerHeaders, answer.socket, answer.head)
      else relayAnswer(socket, answer.response, answerHeaders)
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error
      if (socket.destroyed) return
      s.log.warn(
        { event: 'upstream_failure', kind: error.kind, path, cause: String(error.cause) },
        error.message,
      )
      refuse(socket, upstreamProblem(error))
    } finally {
      socket.off('close', abandon)
    }
  }
}

/** The panel's 101 and everything after it, byte for byte, in both directions. */
function splice(
  client: Duplex,
  clientHead: Buffer,
  response: IncomingMessage,
  rawHeaders: readonly string[],
  panel: Duplex,
  panelHead: Buffer,
) {
  closeTogether(client, panel)
  client.write(responseHead(101, response.statusMessage ?? '', rawHeaders), 'latin1')
  if (panelHead.length > 0) client.write(panelHead)
  if (clientHead.length > 0) panel.write(clientHead)
  panel.pipe(client).pipe(panel)
}

/** A panel that did not switch answered like any request: relayed, then the connection ends. */
function relayAnswer(client: Duplex, response: IncomingMessage, rawHeaders: readonly string[]) {
  const headers = downstreamResponseHeaders(rawHeaders)
  headers.push('Connection', 'close')
  client.write(responseHead(response.statusCode ?? 502, response.statusMessage ?? '', headers), 'latin1')
  // The body is delimited by the end of the connection (Transfer-Encoding is hop-by-hop).
  response.pipe(client, { end: false })
  response.on('end', () => endThenDestroy(client))
  client.on('close', () => response.destroy())
  response.on('error', () => client.destroy())
}

/** tapgate's own answer, as errors.tsx's JSON problems; the connection ends with it. */
function refuse(socket: Duplex, code: ProblemCode, retryAfterMs?: number) {
  if (socket.destroyed) return
  const { status, message } = problems[code]
  const body = JSON.stringify({ error: code, message })
  const headers = ['Content-Type', 'application/json', 'Cache-Control', 'no-store']
  if (retryAfterMs !== undefined) headers.push('Retry-After', String(Math.ceil(retryAfterMs / 1000)))
  headers.push('Content-Length', String(Buffer.byteLength(body)), 'Connection', 'close')
  socket.write(responseHead(status, STATUS_CODES[status] ?? '', headers), 'latin1')
  endThenDestroy(socket, body)
}

function responseHead(status: number, message: string, rawHeaders: readonly string[]): string {
  let head = `HTTP/1.1 ${status} ${message}\r\n`
  for (let i = 0; i < rawHeaders.length; i += 2) head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`
  return `${head}\r\n`
}

/**
 * When one side of a tunnel closes, what it sent is still delivered to the other, which then closes
 * too; when one side fails, the other is destroyed at once.
 */
function closeTogether(a: Duplex, b: Duplex) {
  a.once('error', () => b.destroy())
  b.once('error', () => a.destroy())
  a.once('close', () => endThenDestroy(b))
  b.once('close', () => endThenDestroy(a))
}

/** Ends the stream once its pending writes are out; a half-closed peer cannot keep it open. */
function endThenDestroy(stream: Duplex, last?: string) {
  if (stream.destroyed) return
  if (stream.writableFinished) stream.destroy()
  else stream.end(last, () => stream.destroy())
}

import http, { type IncomingMessage } from 'node:http'
import https from 'node:https'
import type { Duplex } from 'node:stream'
import type { ConnectionOptions } from 'node:tls'
import type { HeaderList } from './header-hygiene.ts'
import { watchForAnswer } from './upstream-error.ts'

export interface UpgradeRequest {
  method: string
  /** Normalised path plus the untouched query string. */
  target: string
  /** Including the Connection: Upgrade and Upgrade headers this hop asks for. */
  headers: HeaderList
}

/** The panel's answer: it switched protocols (101) and the connection is now a tunnel, or it did not. */
export type UpgradeAnswer =
  | { switched: true; response: IncomingMessage; socket: Duplex; head: Buffer }
  | { switched: false; response: IncomingMessage }

/**
 * Asks the panel to switch protocols. The request gets a connection of its own, never the keep-alive
 * agent's: a switched connection cannot go back to a pool. As with Upstream.send, `timeoutMs` covers
 * only the wait for the answer's head; once switched, the tunnel lives as long as both ends want.
 * Aborting `signal` (the client went away) destroys the request.
 */
export function requestUpgrade(
  upstream: URL,
  timeoutMs: number,
  tls: ConnectionOptions,
  request: UpgradeRequest,
  signal: AbortSignal,
): Promise<UpgradeAnswer> {
  return new Promise((resolve, reject) => {
    const secure = upstream.protocol === 'https:'
    const outgoing = (secure ? https.request : http.request)({
      ...(secure && tls),
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port,
      method: request.method,
      path: request.target,
      headers: request.headers,
      agent: false,
      signal,
    })
    const { answered } = watchForAnswer(outgoing, timeoutMs, reject)
    outgoing.on('upgrade', (response, socket, head) => {
      answered()
      resolve({ switched: true, response, socket, head })
    })
    outgoing.on('response', (response) => {
      answered()
      resolve({ switched: false, response })
    })
    outgoing.end()
  })
}

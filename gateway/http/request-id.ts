import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { canonicalAddress, type NetworkSet } from './networks.ts'

/** What a trusted proxy's id may look like: short, and nothing a log or a header could trip on. */
const acceptable = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * Gives the request its id in `X-Request-Id`, where the panel receives it and the logs read it: the
 * id a trusted proxy already assigned, else a new UUID (a client's own is not believed: it could
 * muddle the logs of other requests).
 */
export function assignRequestId(incoming: IncomingMessage, trustedProxies: NetworkSet): void {
  const sent = incoming.headers['x-request-id']
  const keep =
    typeof sent === 'string' &&
    acceptable.test(sent) &&
    trustedProxies.size > 0 &&
    trustedProxies.has(canonicalAddress(incoming.socket.remoteAddress ?? ''))
  if (!keep) incoming.headers['x-request-id'] = randomUUID()
}

export function requestIdOf(incoming: IncomingMessage): string | undefined {
  const id = incoming.headers['x-request-id']
  return typeof id === 'string' ? id : undefined
}

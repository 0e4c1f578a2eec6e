import type { IncomingMessage } from 'node:http'
import type { Config } from '../config/schema.ts'

export type ForwardAuthProxy = NonNullable<Config['forward_auth']['proxy']>

/** The original request as the proxy names it to `<prefix>/verify`, or why it cannot be read. */
export type ForwardAuthQuestion = { ok: true; uri: string; method: string } | { ok: false; reason: string }

const nginxHeaders = { uri: 'x-original-uri', method: 'x-original-method' }
const forwardedHeaders = { uri: 'x-forwarded-uri', method: 'x-forwarded-method' }

/** Where each proxy names the original request: nginx in its config, Traefik and Caddy by themselves. */
const askedIn: Record<ForwardAuthProxy, typeof nginxHeaders> = {
  nginx: nginxHeaders,
  traefik: forwardedHeaders,
  caddy: forwardedHeaders,
}

/** RFC 9110 §9.1: a method is a token. */
const methodToken = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/**
 * Reads the question of the configured proxy, and of no other. A proxy passes the client's own headers
 * on, so the other kind's names are the client's: a question carrying them is refused rather than
 * read either way. A name given twice means the client's value travelled next to the proxy's, and
 * which one the proxy meant cannot be known, so that is refused too.
 */
export function readForwardAuthQuestion(
  incoming: IncomingMessage,
  proxy: ForwardAuthProxy,
): ForwardAuthQuestion {
  const own = askedIn[proxy]
  const other = own === nginxHeaders ? forwardedHeaders : nginxHeaders
  for (const name of [other.uri, other.method]) {
    if (incoming.headersDistinct[name] !== undefined) {
      return { ok: false, reason: `${name} sent to a forward-auth question of ${proxy}` }
    }
  }
  const uri = onlyValue(incoming, own.uri)
  const method = onlyValue(incoming, own.method)
  if ('problem' in uri) return { ok: false, reason: `${own.uri} ${uri.problem}` }
  if ('problem' in method) return { ok: false, reason: `${own.method} ${method.problem}` }
  if (!methodToken.test(method.value)) return { ok: false, reason: `${own.method} is not a method` }
  return { ok: true, uri: uri.value, method: method.value.toUpperCase() }
}

/** A header's one value; never a guess between two, nor a default for none. */
function onlyValue(incoming: IncomingMessage, name: string): { value: string } | { problem: string } {
  const [value, ...more] = incoming.headersDistinct[name] ?? []
  if (value === undefined) return { problem: 'missing' }
  if (more.length > 0) return { problem: 'sent more than once' }
  return { value }
}

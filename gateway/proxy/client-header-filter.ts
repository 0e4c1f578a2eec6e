import { foldHeaderName } from '../http/header-name.ts'
import { isFoldedOverrideHeader } from '../http/override-headers.ts'
import type { IdentityHeaders } from './identity-headers.ts'

/**
 * What becomes of one of the client's request headers on its way to the panel: passed on, dropped,
 * or (`forwarding`) passed on only from a trusted proxy.
 */
export type HeaderTreatment = 'pass' | 'drop' | 'forwarding'

/** RFC 9110 §7.6.1: connection-specific headers never cross a proxy, in either direction. */
export const hopByHopHeaders: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

/**
 * Headers describing the client, or the address it used, that only a trusted proxy may pass on: a
 * panel builds its links (password reset mails included) from X-Forwarded-Host and its neighbours.
 */
const forwardingHeaders = new Set([
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-scheme',
  'x-forwarded-ssl',
  'x-real-ip',
])
const foldedForwardingHeaders = new Set([...forwardingHeaders].map(foldHeaderName))

/** Past this many distinct names the cache starts afresh, so a client inventing names cannot grow it. */
const cacheLimit = 1024

/**
 * Sorts the client's request headers (names as node:http gives them: lower case) for the panel. The
 * panel's own Host and Cookie are set by the caller, so the client's are dropped here. Each name's
 * treatment is worked out once and remembered: the same few dozen names arrive on every request,
 * and the proxy's hot path should not fold each of them again.
 */
export class ClientHeaderFilter {
  readonly #identity: IdentityHeaders
  /** `upstream.keep_override_headers`, lower-cased: kept in exactly that spelling, no other. */
  readonly #keptOverrides: ReadonlySet<string>
  readonly #cache = new Map<string, HeaderTreatment>()

  constructor(identity: IdentityHeaders, keptOverrideHeaders: readonly string[]) {
    this.#identity = identity
    this.#keptOverrides = new Set(keptOverrideHeaders.map((name) => name.toLowerCase()))
  }

  treatment(name: string): HeaderTreatment {
    let treatment = this.#cache.get(name)
    if (treatment === undefined) {
      treatment = this.#decide(name)
      if (this.#cache.size >= cacheLimit) this.#cache.clear()
      this.#cache.set(name, treatment)
    }
    return treatment
  }

  #decide(name: string): HeaderTreatment {
    if (hopByHopHeaders.has(name) || name === 'host' || name === 'cookie') return 'drop'
    // Node's server has already told the client to go on (100 Continue); the body follows regardless.
    if (name === 'expect') return 'drop'
    const folded = foldHeaderName(name)
    // httpoxy: a CGI panel reads `Proxy` as HTTP_PROXY, the proxy its own outgoing requests use.
    if (folded === 'proxy') return 'drop'
    if (this.#identity.claimsIdentity(folded)) return 'drop'
    // A kept override passes in its configured spelling only: a CGI panel would get two values.
    if (isFoldedOverrideHeader(folded)) return this.#keptOverrides.has(name) ? 'pass' : 'drop'
    // Only the usual spelling is believed even from a trusted proxy: `X_Forwarded_For` is a client's.
    if (foldedForwardingHeaders.has(folded)) return forwardingHeaders.has(name) ? 'forwarding' : 'drop'
    return 'pass'
  }
}

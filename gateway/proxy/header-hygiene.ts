import type { IncomingHttpHeaders } from 'node:http'
import { type ClientHeaderFilter, hopByHopHeaders } from './client-header-filter.ts'

export interface ForwardingFacts {
  /** The client address tapgate believes (see http/client-address.ts). */
  clientIp: string
  /** X-Forwarded-For to send: the trusted chain plus the peer, or just the peer. */
  forwardedFor: string
  /** Whether the peer is a trusted proxy whose X-Forwarded-Proto/-Host may be kept. */
  peerTrusted: boolean
  /** Host header to send upstream. */
  host: string
  /** X-Forwarded-Host unless a trusted proxy sent one: public_url's, never the client's Host. */
  publicHost: string
  /** Cookie header with tapgate's own cookie removed; undefined drops the header. */
  cookie: string | undefined
  /** Which of the client's headers may reach the panel. */
  filter: ClientHeaderFilter
}

/**
 * Request headers as undici and node:http take them: name, value, name, value… (names lower-case),
 * never an object: one with a dozen names set by key is a slow dictionary in V8, built per request.
 */
export type HeaderList = string[]

/** Set below from what tapgate knows, whatever the client sent under these names. */
const setByTapgate: ReadonlySet<string> = new Set(['x-forwarded-for', 'x-real-ip'])

const noNames: ReadonlySet<string> = new Set()

/**
 * The request headers the panel receives: no hop-by-hop, no spoofed identity, no route or method
 * override, honest X-Forwarded-*; none of the names in `omit` (the caller sets or withholds those).
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  facts: ForwardingFacts,
  omit: ReadonlySet<string> = noNames,
): HeaderList {
  const named = connectionTokens(incoming.connection)
  const headers: HeaderList = []
  for (const name in incoming) {
    if (named?.has(name) || omit.has(name) || setByTapgate.has(name)) continue
    const treatment = facts.filter.treatment(name)
    if (treatment === 'drop' || (treatment === 'forwarding' && !facts.peerTrusted)) continue
    const value = incoming[name]
    if (Array.isArray(value)) for (const each of value) headers.push(name, each)
    else if (value !== undefined) headers.push(name, value)
  }
  headers.push('host', facts.host)
  if (facts.cookie) headers.push('cookie', facts.cookie)
  headers.push('x-forwarded-for', facts.forwardedFor, 'x-real-ip', facts.clientIp)
  if (!(facts.peerTrusted && incoming['x-forwarded-proto'])) headers.push('x-forwarded-proto', 'http')
  // The client's Host is whatever it typed: a panel would build its links (reset mails) from it.
  if (!(facts.peerTrusted && incoming['x-forwarded-host'])) headers.push('x-forwarded-host', facts.publicHost)
  return headers
}

/** The panel's response headers as a flat raw list (keeps every Set-Cookie and the panel's casing). */
export function downstreamResponseHeaders(rawHeaders: readonly string[]): string[] {
  // Every Connection header counts: a panel may send several, each naming its own hop-only headers.
  const connection: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    // The length first: lower-casing every name twice per answer shows in the proxy's profile.
    if (name.length === 10 && name.toLowerCase() === 'connection')
      connection.push(rawHeaders[i + 1] as string)
  }
  const named = connectionTokens(connection)
  const kept: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    const lower = name.toLowerCase()
    if (hopByHopHeaders.has(lower) || named?.has(lower)) continue
    kept.push(name, rawHeaders[i + 1] as string)
  }
  return kept
}

function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  const text = Array.isArray(value) ? value.join(',') : value
  // Nearly every message says only this (a panel's answer as much as a request); both are dropped
  // as hop-by-hop anyway.
  if (!text || text === 'keep-alive' || text === 'close') return undefined
  return new Set(text.split(',').map((token) => token.trim().toLowerCase()))
}

import { isIP } from 'node:net'
import { canonicalAddress, type NetworkSet } from './networks.ts'

/**
 * The client's address for rules, regulation and logs. `forwardedFor` is the X-Forwarded-For value as
 * Node's `req.headers` types it (repeated headers are one list, RFC 9110 §5.3). It is believed only when the peer is a trusted proxy
 * (DESIGN.md invariant 3): otherwise any client could claim to be anyone.
 *
 * The list is read from the right, because each proxy appends the address it saw; entries left of the
 * first untrusted one were written by that untrusted party. Trusted proxies are skipped and the first
 * untrusted address is the client; when every entry is trusted, the leftmost is.
 */
export function resolveClientAddress(
  peerAddress: string,
  forwardedFor: string | readonly string[] | undefined,
  trusted: NetworkSet,
): string {
  const peer = canonicalAddress(peerAddress)
  if (forwardedFor === undefined || !trusted.has(peer)) return peer
  const entries = joinList(forwardedFor).split(',')
  let client = peer
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = canonicalAddress(entries[i]!.trim())
    // A garbage entry ('unknown', 'ip:port', '') ends the walk at the last address a trusted hop vouched
    // for: what lies left of it was relayed by a proxy we cannot read, so believing it would let a
    // client's own XFF value through.
    if (isIP(entry) === 0) return client
    client = entry
    if (!trusted.has(entry)) return entry
  }
  return client
}

/**
 * The X-Forwarded-For value to send upstream: a trusted proxy's chain with the peer appended (as every
 * proxy does), or, from anyone else, the peer alone, so a client cannot plant addresses the panel might
 * believe.
 */
export function forwardedForHeader(
  peerAddress: string,
  forwardedFor: string | readonly string[] | undefined,
  trusted: NetworkSet,
): string {
  const peer = canonicalAddress(peerAddress)
  const chain = forwardedFor === undefined ? '' : joinList(forwardedFor)
  if (!chain.trim() || !trusted.has(peer)) return peer
  return `${chain}, ${peer}`
}

function joinList(value: string | readonly string[]): string {
  return typeof value === 'string' ? value : value.join(', ')
}

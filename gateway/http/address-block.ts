import { isIP } from 'node:net'
import { canonicalAddress } from './networks.ts'

/**
 * The block one client is counted by: an IPv4 address itself, an IPv6 address's /64. A single IPv6
 * host is usually handed a whole /64, so counting its addresses one by one would let it rotate past
 * every per-address limit.
 */
export function addressBlock(address: string): string {
  const canonical = canonicalAddress(address)
  if (isIP(canonical) !== 6) return canonical
  const groups = ipv6Groups(canonical.split('%')[0]!)
  return `${groups.slice(0, 4).join(':')}::/64`
}

/** The eight groups of an IPv6 address, each as lower-case hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('::')
  const part = (text: string) => (text === '' ? [] : text.split(':').flatMap(dottedToGroups))
  const left = part(head)
  const right = tail === undefined ? [] : part(tail)
  const zeros = Array<string>(8 - left.length - right.length).fill('0')
  return [...left, ...zeros, ...right].map((group) => Number.parseInt(group, 16).toString(16))
}

/** An embedded IPv4 tail ("::ffff:192.0.2.1" forms other than the mapped one) is two groups. */
function dottedToGroups(group: string): string[] {
  if (!group.includes('.')) return [group]
  const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number)
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)]
}

import { BlockList, isIP } from 'node:net'

export interface Network {
  address: string
  prefix: number
  family: 'ipv4' | 'ipv6'
}

/** "10.0.0.0/8", "::1" or "192.0.2.7" → a network; null when it is not one. */
export function parseNetwork(value: string): Network | null {
  const [address = '', prefixText, extra] = value.trim().split('/')
  if (extra !== undefined) return null
  const version = isIP(address)
  if (version === 0) return null
  const family = version === 4 ? 'ipv4' : 'ipv6'
  const max = version === 4 ? 32 : 128
  const prefix = prefixText === undefined ? max : Number(prefixText)
  if (!/^\d+$/.test(prefixText ?? String(max)) || prefix > max) return null
  return { address, prefix, family }
}

/** Strips the IPv4-mapped IPv6 form ("::ffff:10.0.0.1") that dual-stack sockets report. */
export function canonicalAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address
}

/** A set of networks compiled once; `has` answers per request without allocation. */
export class NetworkSet {
  readonly #list = new BlockList()
  readonly size: number

  constructor(networks: readonly string[]) {
    for (const text of networks) {
      const network = parseNetwork(text)
      if (!network) throw new TypeError(`Not an IP network: ${text}`)
      this.#list.addSubnet(network.address, network.prefix, network.family)
    }
    this.size = networks.length
  }

  has(address: string): boolean {
    // Asked for every request (client-address.ts, the per-client cap): no native call for an empty set.
    if (this.size === 0) return false
    const canonical = canonicalAddress(address)
    const version = isIP(canonical)
    if (version === 0) return false
    return this.#list.check(canonical, version === 4 ? 'ipv4' : 'ipv6')
  }
}

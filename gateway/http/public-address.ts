import type { IncomingMessage } from 'node:http'
import { takeCookie } from './cookies.ts'
import { canonicalAddress, type NetworkSet } from './networks.ts'

/** Set with a redirect to public_url: the next navigation goes through, whatever its Host says. */
const guardCookie = 'tapgate_address_redirect'

/**
 * A browser that opened tapgate at another address than public_url's (`127.0.0.1` for `localhost`)
 * gets cookies and form origins that tapgate then refuses: every form would fail as "expired". So a
 * page the browser navigates to there is sent to the same path at public_url. Only navigations
 * (Sec-Fetch-Mode: navigate): API clients and scripts never get a redirect. The host is the one the
 * browser used: Host, or X-Forwarded-Host from a trusted proxy.
 *
 * A proxy in front that rewrites Host (nginx's default) would make every navigation look misdirected;
 * the redirect sets a short-lived cookie for the address the browser really used, and a navigation
 * carrying it is never redirected again, so such a setup costs one extra redirect a minute, not a loop.
 */
export class PublicAddress {
  readonly #origin: string
  readonly #host: string
  /** Stripped from a Host that names it: `example.com:443` is `example.com`. */
  readonly #defaultPort: string

  constructor(
    publicUrl: string,
    private readonly trustedProxies: NetworkSet,
  ) {
    const url = new URL(publicUrl)
    this.#origin = url.origin
    this.#host = url.host
    this.#defaultPort = url.protocol === 'https:' ? ':443' : ':80'
  }

  /** Where to send this request instead, with the guard cookie to set; null to serve it here. */
  redirectFor(incoming: IncomingMessage): { location: string; setCookie: string } | null {
    const { headers, method } = incoming
    if ((method !== 'GET' && method !== 'HEAD') || headers['sec-fetch-mode'] !== 'navigate') return null
    const target = incoming.url ?? ''
    if (!target.startsWith('/') || target.startsWith('//')) return null
    if (this.#hostUsed(incoming) === this.#host) return null
    if (takeCookie(headers.cookie, guardCookie).value !== undefined) return null
    return {
      location: `${this.#origin}${target}`,
      setCookie: `${guardCookie}=1; Path=/; Max-Age=60; HttpOnly; SameSite=Lax`,
    }
  }

  #hostUsed(incoming: IncomingMessage): string {
    const forwarded = incoming.headers['x-forwarded-host']
    const peer = canonicalAddress(incoming.socket.remoteAddress ?? '')
    const host =
      typeof forwarded === 'string' && this.trustedProxies.has(peer)
        ? (forwarded.split(',')[0] ?? '')
        : (incoming.headers.host ?? '')
    const used = host.trim().toLowerCase()
    return used.endsWith(this.#defaultPort) ? used.slice(0, -this.#defaultPort.length) : used
  }
}

import type { Config } from '../config/schema.ts'
import { foldHeaderName } from '../http/header-name.ts'
import type { HeaderList } from './header-hygiene.ts'

/**
 * Identity headers in common use: a panel behind some other proxy may trust any of them, so tapgate
 * removes them all from the client's request, with the configured names, in every mode. Compared
 * folded (header-name.ts: `Remote_User` and `remote.user` are `Remote-User`).
 */
export const commonIdentityHeaders: readonly string[] = [
  'X-User',
  'X-Username',
  'X-User-Id',
  'X-User-Name',
  'X-User-Email',
  'X-Email',
  'X-Forwarded-Email',
  'X-Forwarded-Groups',
  'X-Forwarded-Preferred-Username',
  'X-Forwarded-Access-Token',
  'X-Auth-Username',
  'X-Auth-Userid',
  'X-Auth-Email',
  'X-Auth-Roles',
  'X-Auth-Groups',
  'X-Proxy-User',
  'X-Proxy-Roles',
]

/**
 * Families of identity headers: every name whose folded form starts with one of these. Authelia and
 * Apache (Remote-*), oauth2-proxy (X-Auth-Request-*, X-Forwarded-User*), Grafana and Gitea
 * (X-Webauth-*), caddy-security (X-Token-User*), Google IAP, Cloudflare Access, AWS ALB, Vouch,
 * Pomerium and authentik.
 */
export const identityHeaderFamilies: readonly string[] = [
  'Remote-',
  'X-Remote-',
  'X-Forwarded-User',
  'X-Auth-Request-',
  'X-Webauth-',
  'X-Authenticated-',
  'X-Token-User',
  'X-Goog-Authenticated-',
  'Cf-Access-Authenticated-',
  'X-Amzn-Oidc-',
  'X-Vouch-',
  'X-Pomerium-',
  'X-Authentik-',
]
const foldedFamilies = identityHeaderFamilies.map(foldHeaderName)

/** Who a verified request comes from; name, email and groups are known in local mode only. */
export interface Identity {
  user: string
  name?: string | undefined
  email?: string | null | undefined
  groups?: readonly string[] | undefined
}

/** `identity_headers`: what the panel is told about the user, under which names. */
export class IdentityHeaders {
  readonly #names: Config['identity_headers']
  /** Exact folded names never taken from the client: the common ones and the configured ones. */
  readonly #exact: ReadonlySet<string>

  constructor(names: Config['identity_headers']) {
    this.#names = names
    this.#exact = new Set([...commonIdentityHeaders, ...Object.values(names)].map(foldHeaderName))
  }

  /** Whether a client's header, by its folded name (header-name.ts), claims who the user is. */
  claimsIdentity(folded: string): boolean {
    if (this.#exact.has(folded)) return true
    for (const family of foldedFamilies) if (folded.startsWith(family)) return true
    return false
  }

  /**
   * forward-auth's 200: every configured name, empty where nothing is known (a bypassed path, a user
   * without email). A proxy that copies a header tapgate left out may pass on something else:
   * Caddy before 2.9 sends its placeholder text, `{http.reverse_proxy.header.Remote-User}`.
   */
  answer(identity: Identity | null): Record<string, string> {
    const answer: Record<string, string> = {}
    for (const name of Object.values(this.#names)) answer[name] = ''
    const headers: HeaderList = []
    if (identity) this.add(headers, identity)
    for (let i = 0; i < headers.length; i += 2) answer[headers[i] as string] = headers[i + 1] as string
    return answer
  }

  /** Adds the identity to headers the client's identity headers were already stripped from. */
  add(headers: HeaderList, identity: Identity): void {
    headers.push(this.#names.user, headerSafe(identity.user))
    if (identity.name) headers.push(this.#names.name, headerSafe(identity.name))
    if (identity.email) headers.push(this.#names.email, headerSafe(identity.email))
    if (identity.groups && identity.groups.length > 0) {
      headers.push(this.#names.groups, identity.groups.map(headerSafe).join(','))
    }
  }
}

const needsEncoding = /[^\x20-\x7e]|[%,]/u
const needsEncodingAll = /[^\x20-\x7e]|[%,]/gu

/**
 * Header values are bytes, and a username typed into a panel's login form may hold anything: outside
 * printable ASCII (and the comma that separates groups) characters are percent-encoded as UTF-8, so
 * "José" arrives as "Jos%C3%A9" and a CR LF can never start a header of its own.
 */
function headerSafe(value: string): string {
  // Tested first: nearly every name needs nothing, and a replace builds its result regardless.
  return needsEncoding.test(value)
    ? value.replace(needsEncodingAll, (char) => encodeURIComponent(char))
    : value
}

import type { OutgoingHttpHeaders } from 'node:http'
import type { Config } from '../config/schema.ts'

/**
 * Identity headers in common use (Authelia, oauth2-proxy, Apache's REMOTE_USER …): a panel behind
 * some other proxy may trust any of them, so tapgate removes them all from the client's request, with
 * the configured names, in every mode. Compared lower-cased with '_' folded to '-', because CGI-style
 * backends (PHP, WSGI) map `Remote_User` and `Remote-User` to the same HTTP_REMOTE_USER variable.
 */
const commonIdentityHeaders = [
  'remote-user',
  'remote-name',
  'remote-email',
  'remote-groups',
  'x-remote-user',
  'x-forwarded-user',
  'x-forwarded-email',
  'x-forwarded-groups',
  'x-forwarded-preferred-username',
  'x-auth-request-user',
  'x-auth-request-email',
  'x-auth-request-groups',
]

/** Who a verified request comes from; name, email and groups are known in local mode only. */
export interface Identity {
  user: string
  name?: string | undefined
  email?: string | null | undefined
  groups?: readonly string[] | undefined
}

/** `identity_headers`: what the panel is told about the user, under which names. */
export class IdentityHeaders {
  /** Header names never taken from the client (folded, see above). */
  readonly stripped: ReadonlySet<string>
  readonly #names: Config['identity_headers']

  constructor(names: Config['identity_headers']) {
    this.#names = names
    const configured = Object.values(names).map((name) => name.toLowerCase().replaceAll('_', '-'))
    this.stripped = new Set([...commonIdentityHeaders, ...configured])
  }

  /**
   * forward-auth's 200: every configured name, empty where nothing is known (a bypassed path, a user
   * without email). A proxy that copies a header tapgate left out may pass on something else:
   * Caddy before 2.9 sends its placeholder text, `{http.reverse_proxy.header.Remote-User}`.
   */
  answer(identity: Identity | null): Record<string, string> {
    const headers: OutgoingHttpHeaders = {}
    if (identity) this.add(headers, identity)
    const answer: Record<string, string> = {}
    for (const name of Object.values(this.#names)) answer[name] = String(headers[name] ?? '')
    return answer
  }

  /** Adds the identity to headers the client's identity headers were already stripped from. */
  add(headers: OutgoingHttpHeaders, identity: Identity): void {
    headers[this.#names.user] = headerSafe(identity.user)
    if (identity.name) headers[this.#names.name] = headerSafe(identity.name)
    if (identity.email) headers[this.#names.email] = headerSafe(identity.email)
    if (identity.groups && identity.groups.length > 0) {
      headers[this.#names.groups] = identity.groups.map(headerSafe).join(',')
    }
  }
}

/**
 * Header values are bytes, and a username typed into a panel's login form may hold anything: outside
 * printable ASCII (and the comma that separates groups) characters are percent-encoded as UTF-8, so
 * "José" arrives as "Jos%C3%A9" and a CR LF can never start a header of its own.
 */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]|[%,]/gu, (char) => encodeURIComponent(char))
}

import { readFileSync } from 'node:fs'
import { expect } from 'vitest'
import { foldHeaderName } from '../../gateway/http/header-name.ts'
import { overrideHeaders } from '../../gateway/http/override-headers.ts'
import { commonIdentityHeaders, identityHeaderFamilies } from '../../gateway/proxy/identity-headers.ts'
import { startCaddy } from './caddy.ts'
import type { ForegroundServer } from './foreground-server.ts'
import { startNginx } from './nginx.ts'

export interface ShippedProxy {
  name: string
  /** tapgate's `forward_auth.proxy` for it. */
  kind: 'nginx' | 'caddy'
  /** Runs the example on `port`, asking tapgate at `tapgateHost` and serving the panel at `panelHost`. */
  start(port: number, tapgateHost: string, panelHost: string): Promise<ForegroundServer>
}

/**
 * Debian's real nginx and Caddy, each running the shipped example from config/proxies/ with only its
 * addresses changed.
 */
export const shippedProxies: ShippedProxy[] = [
  {
    name: 'nginx auth_request',
    kind: 'nginx',
    start: (port, tapgateHost, panelHost) =>
      startNginx(
        readFileSync('config/proxies/nginx-forward-auth.conf', 'utf8')
          .replace('127.0.0.1:8080', tapgateHost)
          .replace('127.0.0.1:2082', panelHost),
        port,
      ),
  },
  {
    name: 'Caddy forward_auth',
    kind: 'caddy',
    start: (port, tapgateHost, panelHost) =>
      startCaddy(
        readFileSync('config/proxies/Caddyfile', 'utf8')
          .replaceAll('127.0.0.1:8080', tapgateHost)
          .replace('127.0.0.1:2082', panelHost),
        'panel.example.com',
        port,
      ),
  },
]

/**
 * The members in common use of each identity header family tapgate removes by prefix
 * (gateway/proxy/identity-headers.ts), for a proxy that can only remove headers one name at a time
 * (nginx): Authelia and Apache, oauth2-proxy, Grafana and Gitea, Kong, caddy-security, Google IAP,
 * Cloudflare Access, AWS ALB, Vouch, Pomerium and authentik.
 */
export const identityFamilyMembers: Readonly<Record<string, readonly string[]>> = {
  'Remote-': ['Remote-User', 'Remote-Name', 'Remote-Email', 'Remote-Groups'],
  'X-Remote-': ['X-Remote-User', 'X-Remote-Name', 'X-Remote-Email', 'X-Remote-Groups'],
  'X-Forwarded-User': ['X-Forwarded-User'],
  'X-Auth-Request-': [
    'X-Auth-Request-User',
    'X-Auth-Request-Email',
    'X-Auth-Request-Groups',
    'X-Auth-Request-Preferred-Username',
    'X-Auth-Request-Access-Token',
  ],
  'X-Webauth-': [
    'X-Webauth-User',
    'X-Webauth-Email',
    'X-Webauth-Name',
    'X-Webauth-Fullname',
    'X-Webauth-Login',
    'X-Webauth-Role',
    'X-Webauth-Groups',
  ],
  'X-Authenticated-': [
    'X-Authenticated-User',
    'X-Authenticated-Userid',
    'X-Authenticated-Email',
    'X-Authenticated-Groups',
  ],
  'X-Token-User': ['X-Token-User', 'X-Token-User-Name', 'X-Token-User-Email', 'X-Token-User-Roles'],
  'X-Goog-Authenticated-': ['X-Goog-Authenticated-User-Email', 'X-Goog-Authenticated-User-Id'],
  'Cf-Access-Authenticated-': ['Cf-Access-Authenticated-User-Email'],
  'X-Amzn-Oidc-': ['X-Amzn-Oidc-Data', 'X-Amzn-Oidc-Identity', 'X-Amzn-Oidc-Accesstoken'],
  'X-Vouch-': ['X-Vouch-User', 'X-Vouch-Success', 'X-Vouch-Idp-Accesstoken', 'X-Vouch-Idp-Idtoken'],
  'X-Pomerium-': [
    'X-Pomerium-Jwt-Assertion',
    'X-Pomerium-Claim-User',
    'X-Pomerium-Claim-Email',
    'X-Pomerium-Claim-Groups',
  ],
  'X-Authentik-': [
    'X-Authentik-Username',
    'X-Authentik-Email',
    'X-Authentik-Name',
    'X-Authentik-Groups',
    'X-Authentik-Uid',
    'X-Authentik-Jwt',
  ],
}

/** The headers that name the original request to verify, nginx's and Traefik's/Caddy's alike. */
export const questionHeaders: readonly string[] = [
  'X-Original-URI',
  'X-Original-Method',
  'X-Forwarded-Uri',
  'X-Forwarded-Method',
]

/** tapgate's identity headers (the `identity_headers` defaults): the proxy sets them from verify's 200. */
export const tapgateIdentityHeaders: readonly string[] = [
  'Remote-User',
  'Remote-Name',
  'Remote-Email',
  'Remote-Groups',
]

/**
 * Every header a client may send that a shipped example must keep from the panel, in its usual
 * spelling: the route and method overrides (override-headers.ts) and the question, every identity
 * header tapgate removes by name and the family members above (identity-headers.ts). tapgate's own
 * identity headers are among them: the panel gets those from verify's answer only.
 */
export const headersOnlyTapgateSets: readonly string[] = [
  ...new Set([
    ...overrideHeaders,
    ...questionHeaders,
    ...commonIdentityHeaders,
    ...identityHeaderFamilies.flatMap((family) => identityFamilyMembers[family] ?? []),
  ]),
]

/** Headers a panel needs from the client, which no example may remove. */
export const everydayHeaders = [
  'Accept',
  'Accept-Encoding',
  'Accept-Language',
  'Authorization',
  'Cache-Control',
  'Content-Type',
  'Cookie',
  'If-None-Match',
  'Origin',
  'Referer',
  'Sec-Fetch-Site',
  'User-Agent',
  'X-Requested-With',
  'X-CSRF-Token',
  'X-XSRF-Token',
  'X-Forwarded-For',
  'X-Forwarded-Proto',
  'X-Forwarded-Host',
]

/** A name in an identity family that nobody lists: only a pattern removes it. */
export function unlistedMemberOf(family: string): string {
  return family.endsWith('-') ? `${family}Unlisted` : `${family}-Unlisted`
}

/**
 * A name as a client may spell it for a panel that reads headers CGI-style (PHP, WSGI, Rack:
 * `Remote-User`, `Remote_User` and `Remote.User` all become HTTP_REMOTE_USER): with '-', '_' or '.',
 * the same throughout or mixed, in either case.
 */
export function spellingsOf(name: string): string[] {
  const [first = '', ...rest] = name.split('-')
  const spellings = [
    name,
    name.toUpperCase(),
    [first, ...rest].join('_'),
    [first, ...rest].join('.').toLowerCase(),
  ]
  if (rest.length > 1) spellings.push(`${first}_${rest.join('-')}`)
  return spellings
}

/** The value a client would forge: another path, another method, or the admin's name. */
function forgedValue(name: string): string {
  if (/method/i.test(name)) return 'DELETE'
  if (/ur[il]$/i.test(name)) return '/admin'
  return 'admin'
}

/**
 * What a client sends to pose as a user or re-route its request, as raw header lines (rawRequest):
 * every header only tapgate sets, in every spelling, e.g. `X-Original-URL: /admin`,
 * `X-HTTP-Method-Override: DELETE`, `X-Webauth-User: admin`, `Remote_User: admin`.
 */
export const forgedHeaderLines: readonly string[] = headersOnlyTapgateSets.flatMap((name) =>
  spellingsOf(name).map((spelling) => `${spelling}: ${forgedValue(name)}`),
)

/**
 * The panel heard, of all the headers a client could forge (in any spelling), only tapgate's identity
 * headers in their own spelling: each of `told` (name → value) once with tapgate's value, the others
 * empty or absent. `rawHeaders` as the panel received them.
 */
export function expectOnlyTapgateTold(rawHeaders: readonly string[], told: Record<string, string>): void {
  const forged = new Set(headersOnlyTapgateSets.map(foldHeaderName))
  const heard: string[] = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    if (forged.has(foldHeaderName(name))) heard.push(`${name.toLowerCase()}: ${rawHeaders[i + 1]}`)
  }
  const expected = tapgateIdentityHeaders.map((name) => `${name.toLowerCase()}: ${told[name] ?? ''}`)
  // An identity header tapgate left empty may come empty (Caddy copies it) or not at all (nginx).
  const missing = (line: string) => !heard.includes(line) && !line.endsWith(': ')
  expect(heard.filter((line) => !expected.includes(line))).toEqual([])
  expect(expected.filter(missing)).toEqual([])
  expect(heard.length).toBe(new Set(heard).size)
}

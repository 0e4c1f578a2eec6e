import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { foldHeaderName } from '../../../gateway/http/header-name.ts'
import { IdentityHeaders, identityHeaderFamilies } from '../../../gateway/proxy/identity-headers.ts'
import {
  everydayHeaders,
  headersOnlyTapgateSets,
  identityFamilyMembers,
  spellingsOf,
  tapgateIdentityHeaders,
  unlistedMemberOf,
} from '../../support/forward-auth-proxies.ts'

/**
 * The nginx and Caddy examples in config/proxies/, read as text, against tapgate's own lists
 * (gateway/http/override-headers.ts and identity-headers.ts): every header only tapgate may set is
 * kept from the panel, so a list growing in the gateway fails here until the examples follow. The
 * integration tests (test/integration/forward-auth-*.test.ts) run both with the real servers; this
 * says which names, the servers say that the directives work. The Traefik example has its own file.
 */

describe('the identity header families', () => {
  const identity = new IdentityHeaders({
    user: 'Remote-User',
    name: 'Remote-Name',
    email: 'Remote-Email',
    groups: 'Remote-Groups',
  })

  it('have their members in common use listed for proxies that remove headers by name', () => {
    for (const family of identityHeaderFamilies) {
      const members = identityFamilyMembers[family] ?? []
      expect(members.length, family).toBeGreaterThan(0)
      for (const member of members) {
        expect(foldHeaderName(member).startsWith(foldHeaderName(family)), member).toBe(true)
        expect(identity.claimsIdentity(foldHeaderName(member)), member).toBe(true)
      }
    }
    expect(Object.keys(identityFamilyMembers).sort()).toEqual([...identityHeaderFamilies].sort())
  })
})

// ---- nginx -----------------------------------------------------------------------------------------

const nginxText = readFileSync('config/proxies/nginx-forward-auth.conf', 'utf8').replace(/#[^\n]*/g, '')

/** The directives directly inside `<opener> { … }` (nested blocks skipped), as words; "" is ''. */
function nginxDirectives(opener: string): string[][] {
  const start = nginxText.indexOf(`${opener} {`)
  if (start < 0) throw new Error(`no '${opener}' block`)
  let depth = 0
  let body = ''
  for (let i = nginxText.indexOf('{', start) + 1; i < nginxText.length; i++) {
    const char = nginxText[i] as string
    if (char === '{') depth++
    if (char === '}' && depth-- === 0) break
    if (depth === 0 && char !== '}') body += char
  }
  return body
    .split(';')
    .map((directive) => (directive.match(/"[^"]*"|\S+/g) ?? []).map((word) => word.replace(/^"(.*)"$/, '$1')))
    .filter((words) => words.length > 0)
}

/** `proxy_set_header` in a location: lower-cased name → value. */
function headersSetIn(opener: string): Map<string, string> {
  const set = new Map<string, string>()
  for (const [directive, name, value] of nginxDirectives(opener)) {
    if (directive === 'proxy_set_header' && name !== undefined) set.set(name.toLowerCase(), value ?? '')
  }
  return set
}

describe('the nginx example', () => {
  const panel = headersSetIn('location /')

  it('keeps nginx’s defaults that drop every header name with ‘_’ or ‘.’', () => {
    // What the integration tests show the real nginx doing with Remote_User and Remote.User.
    expect(nginxText).not.toMatch(/underscores_in_headers\s+on/)
    expect(nginxText).not.toMatch(/ignore_invalid_headers\s+off/)
  })

  it('sends the panel no route or method override, and no identity header the client sent', () => {
    const others = headersOnlyTapgateSets.filter((name) => !tapgateIdentityHeaders.includes(name))
    expect(others.filter((name) => panel.get(name.toLowerCase()) !== '')).toEqual([])
  })

  it('sets tapgate’s identity headers from verify’s answer only', () => {
    const fromAnswer = new Map(
      nginxDirectives('location /')
        .filter(([directive]) => directive === 'auth_request_set')
        .map(([, variable, value]) => [variable, value]),
    )
    for (const name of tapgateIdentityHeaders) {
      const variable = panel.get(name.toLowerCase()) ?? ''
      expect(fromAnswer.get(variable), name).toBe(`$upstream_http_${name.toLowerCase().replaceAll('-', '_')}`)
    }
  })

  it('asks tapgate with nginx’s own question only', () => {
    const question = headersSetIn('location = /_tapgate/verify')
    expect(question.get('x-original-uri')).toBe('$request_uri')
    expect(question.get('x-original-method')).toBe('$request_method')
    expect(question.get('x-forwarded-uri')).toBe('')
    expect(question.get('x-forwarded-method')).toBe('')
  })
})

// ---- Caddy -----------------------------------------------------------------------------------------

const caddyLines = readFileSync('config/proxies/Caddyfile', 'utf8')
  .split('\n')
  .map((line) => line.replace(/#.*/, '').trim())
const panelRoute = caddyLines.slice(caddyLines.indexOf('route {'))
const asking = panelRoute.findIndex((line) => line.startsWith('forward_auth '))

/** The `request_header -…` patterns before forward_auth, lower-cased, as Caddy compares them. */
const caddyRemovals = panelRoute
  .slice(0, asking)
  .filter((line) => line.startsWith('request_header -'))
  .map((line) => line.slice('request_header -'.length).toLowerCase())

/** Whether Caddy's header deletion removes `name`: exact, `prefix*`, `*suffix` or `*substring*`. */
function caddyRemoves(name: string): boolean {
  const field = name.toLowerCase()
  return caddyRemovals.some((pattern) => {
    const inner = pattern.replace(/^\*|\*$/g, '')
    if (pattern.startsWith('*') && pattern.endsWith('*')) return field.includes(inner)
    if (pattern.endsWith('*')) return field.startsWith(inner)
    if (pattern.startsWith('*')) return field.endsWith(inner)
    return field === pattern
  })
}

describe('the Caddy example', () => {
  it('removes every header only tapgate may set, in every spelling, before asking', () => {
    const kept = headersOnlyTapgateSets.flatMap(spellingsOf).filter((name) => !caddyRemoves(name))
    expect(kept).toEqual([])
  })

  it('removes every identity family by pattern, also the names nobody listed', () => {
    const kept = identityHeaderFamilies
      .map(unlistedMemberOf)
      .flatMap(spellingsOf)
      .filter((name) => !caddyRemoves(name))
    expect(kept).toEqual([])
  })

  it('keeps the headers a panel needs', () => {
    expect(everydayHeaders.filter(caddyRemoves)).toEqual([])
  })

  it('then copies tapgate’s identity headers from its answer', () => {
    const copied = panelRoute.slice(asking).find((line) => line.startsWith('copy_headers ')) ?? ''
    expect(copied.split(/\s+/)).toEqual(expect.arrayContaining([...tapgateIdentityHeaders]))
  })
})

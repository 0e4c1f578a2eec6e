import { describe, expect, it } from 'vitest'
import { ClientHeaderFilter, type HeaderTreatment } from '../../../gateway/proxy/client-header-filter.ts'
import { IdentityHeaders } from '../../../gateway/proxy/identity-headers.ts'

/**
 * Which of a client's request headers reach the panel (DESIGN invariants 1 and 3). Names arrive as
 * node:http gives them, lower case; a raw socket can still send `_` and `.` spellings.
 */
const identity = new IdentityHeaders({
  user: 'X-Panel-User',
  name: 'Remote-Name',
  email: 'Remote-Email',
  groups: 'X-Panel-Roles',
})
const filter = new ClientHeaderFilter(identity, [])
const keeping = new ClientHeaderFilter(identity, ['X-HTTP-Method-Override'])

describe('hop-by-hop headers and the ones tapgate sets itself', () => {
  it.each([
    'connection',
    'keep-alive',
    'proxy-connection',
    'proxy-authenticate',
    'proxy-authorization',
    'te',
    'trailer',
    'transfer-encoding',
    'upgrade',
    'host',
    'cookie',
  ])('%s is dropped', (name) => {
    expect(filter.treatment(name)).toBe('drop')
  })
})

describe('headers that claim who the user is, in every spelling', () => {
  it.each([
    ['Authelia and Apache', 'remote-user'],
    ['a CGI spelling', 'remote_user'],
    ['a dotted spelling', 'remote.user'],
    ['the Remote- family, any suffix', 'remote-addr'],
    ['the X-Remote- family', 'x_remote_user'],
    ['oauth2-proxy', 'x-auth-request-preferred-username'],
    ['oauth2-proxy, forwarded', 'x-forwarded-user'],
    ['Grafana and Gitea', 'x-webauth-user'],
    ['caddy-security', 'x-token-user-name'],
    ['Google IAP', 'x-goog-authenticated-user-email'],
    ['Cloudflare Access', 'cf-access-authenticated-user-email'],
    ['AWS ALB', 'x-amzn-oidc-identity'],
    ['Vouch', 'x-vouch-user'],
    ['Pomerium', 'x-pomerium-claim-email'],
    ['authentik', 'x-authentik-username'],
    ['a common exact name', 'x-user'],
    ['a common exact name, CGI spelling', 'x_forwarded_email'],
    ['a common exact name, dotted', 'x.proxy.roles'],
    ['the configured user header', 'x-panel-user'],
    ['the configured groups header, CGI spelling', 'x_panel_roles'],
    ['the configured groups header, dotted', 'x.panel.roles'],
  ])('%s: %s is dropped', (_case, name) => {
    expect(filter.treatment(name)).toBe('drop')
  })

  it.each([
    ['a longer name than an exact one', 'x-user-agent'],
    ['a longer name than a configured one', 'x-panel-username'],
  ])('%s: %s passes', (_case, name) => {
    expect(filter.treatment(name)).toBe('pass')
  })
})

describe('route and method override headers', () => {
  it.each<[string, string, HeaderTreatment, HeaderTreatment]>([
    ['the kept one, as configured', 'x-http-method-override', 'drop', 'pass'],
    ['the kept one, CGI spelling', 'x_http_method_override', 'drop', 'drop'],
    ['the kept one, dotted', 'x.http.method.override', 'drop', 'drop'],
    ['another method override', 'x-http-method', 'drop', 'drop'],
    ['a route override', 'x-original-url', 'drop', 'drop'],
    ['a route override, CGI spelling', 'x_rewrite_url', 'drop', 'drop'],
    ['the forwarded URI', 'x-forwarded-uri', 'drop', 'drop'],
  ])('%s: %s is %s, or %s with X-HTTP-Method-Override kept', (_case, name, plain, kept) => {
    expect(filter.treatment(name)).toBe(plain)
    expect(keeping.treatment(name)).toBe(kept)
  })
})

describe('forwarding headers: believed from a trusted proxy, in the usual spelling only', () => {
  it.each<[string, HeaderTreatment]>([
    ['forwarded', 'forwarding'],
    ['x-forwarded-for', 'forwarding'],
    ['x-forwarded-proto', 'forwarding'],
    ['x-forwarded-host', 'forwarding'],
    ['x-forwarded-port', 'forwarding'],
    ['x-forwarded-prefix', 'forwarding'],
    ['x-forwarded-scheme', 'forwarding'],
    ['x-forwarded-ssl', 'forwarding'],
    ['x-real-ip', 'forwarding'],
    ['x_forwarded_for', 'drop'],
    ['x_forwarded_host', 'drop'],
    ['x.forwarded.proto', 'drop'],
    ['x_real_ip', 'drop'],
  ])('%s is %s', (name, treatment) => {
    expect(filter.treatment(name)).toBe(treatment)
  })
})

describe('ordinary headers', () => {
  it.each(['accept', 'accept-language', 'content-type', 'authorization', 'x-requested-with', 'x-csrf-token'])(
    '%s passes',
    (name) => {
      expect(filter.treatment(name)).toBe('pass')
    },
  )

  it('are judged the same after a client invents more names than the cache holds', () => {
    const fresh = new ClientHeaderFilter(identity, [])
    expect(fresh.treatment('remote-user')).toBe('drop')
    const invented = Array.from({ length: 2500 }, (_, i) => fresh.treatment(`x-invented-${i}`))
    expect(new Set(invented)).toEqual(new Set(['pass']))
    expect(fresh.treatment('remote-user')).toBe('drop')
    expect(fresh.treatment('x-forwarded-for')).toBe('forwarding')
  })
})

describe("spellings lighttpd's CGI reads as another header: every character but letters and digits is '_' there", () => {
  it.each([
    ['an identity header', 'x~remote~user'],
    ['an identity header', 'x!webauth!user'],
    ['a common exact name', 'x~user'],
    ['a common exact name', 'x~forwarded-user'],
    ['a route override', 'x~original~url'],
    ['a method override', 'x+http+method+override'],
    ['a forwarding header', 'x~forwarded~host'],
  ])('%s: %s is dropped', (_case, name) => {
    expect(filter.treatment(name)).toBe('drop')
  })
})

describe('httpoxy', () => {
  it.each(['proxy', 'proxy_'])(
    '%s is dropped: a CGI panel reads it as HTTP_PROXY, its own outgoing proxy',
    (name) => {
      expect(filter.treatment(name)).toBe('drop')
    },
  )
})

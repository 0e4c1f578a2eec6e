import { describe, expect, it } from 'vitest'
import type { Policy, Rule } from '../../../gateway/config/schema.ts'
import { compileRules } from '../../../gateway/policy/compile-rules.ts'
import { decidePolicy, explainPolicy } from '../../../gateway/policy/decide-policy.ts'

interface Probe {
  method?: string
  clientIp?: string
  headers?: Record<string, string>
}

/** Compiles `rules` once; the returned function answers "policy @ position" for one request. */
function policyOf(rules: Rule[], defaultPolicy: Policy = 'two_factor') {
  const compiled = compileRules(rules, defaultPolicy)
  return (path: string, probe: Probe = {}): string => {
    const headers = new Map(
      Object.entries(probe.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    )
    const decision = decidePolicy(compiled, {
      path,
      method: probe.method ?? 'GET',
      clientIp: probe.clientIp ?? '198.51.100.7',
      header: (name) => headers.get(name),
    })
    return `${decision.policy} @ ${decision.rulePosition ?? 'default'}`
  }
}

describe('decidePolicy', () => {
  it('takes the first matching rule, in config order', () => {
    const decide = policyOf([
      { path: '/api/admin', policy: 'deny' },
      { prefix: '/api/', policy: 'bypass' },
      { prefix: '/api/public/', policy: 'two_factor' },
    ])
    expect(decide('/api/admin')).toBe('deny @ 0')
    expect(decide('/api/admin/')).toBe('bypass @ 1')
    expect(decide('/api/public/x')).toBe('bypass @ 1')
    expect(decide('/login')).toBe('two_factor @ default')
  })

  it('falls back to the default policy', () => {
    expect(policyOf([], 'deny')('/x')).toBe('deny @ default')
    expect(policyOf([{ path: '/a', policy: 'bypass' }], 'bypass')('/b')).toBe('bypass @ default')
  })

  it('matches path rules exactly', () => {
    const decide = policyOf([{ path: '/login', policy: 'bypass' }])
    expect(decide('/login')).toBe('bypass @ 0')
    expect(decide('/login/')).toBe('two_factor @ default')
    expect(decide('/login/x')).toBe('two_factor @ default')
    expect(decide('/Login')).toBe('two_factor @ default')
    expect(decide('/loginx')).toBe('two_factor @ default')
  })

  it('applies a stricter rule to the case-folded reading of the path (IIS ignores case)', () => {
    const decide = policyOf([{ prefix: '/admin', policy: 'deny' }], 'bypass')
    expect(decide('/admin/users')).toBe('deny @ 0')
    expect(decide('/Admin')).toBe('deny @ 0')
    expect(decide('/ADMIN/users')).toBe('deny @ 0')
    expect(decide('/%41dmin')).toBe('bypass @ default')
    expect(decide('/administrator')).toBe('bypass @ default')
  })

  it('folds the rule too: a rule written in capitals covers the lower-case path', () => {
    const decide = policyOf([{ path: '/Settings.aspx', policy: 'two_factor' }], 'bypass')
    expect(decide('/Settings.aspx')).toBe('two_factor @ 0')
    expect(decide('/settings.aspx')).toBe('two_factor @ 0')
    expect(decide('/SETTINGS.ASPX')).toBe('two_factor @ 0')
  })

  it('folds regex rules', () => {
    const decide = policyOf([{ regex: '/admin/[a-z]+', policy: 'deny' }], 'bypass')
    expect(decide('/ADMIN/Users')).toBe('deny @ 0')
    expect(decide('/admin/users')).toBe('deny @ 0')
  })

  it('never lets the folded reading weaken a rule: a bypass for /api/ does not open /API/', () => {
    const decide = policyOf([{ prefix: '/api/', policy: 'bypass' }])
    expect(decide('/api/x')).toBe('bypass @ 0')
    expect(decide('/API/x')).toBe('two_factor @ default')
    expect(decide('/Api/x')).toBe('two_factor @ default')
  })

  it("applies a stricter rule to the reading without ';' parameters (Tomcat, Jetty)", () => {
    const decide = policyOf(
      [
        { prefix: '/admin', policy: 'deny' },
        { path: '/panel', policy: 'two_factor' },
      ],
      'bypass',
    )
    expect(decide('/admin;jsessionid=1')).toBe('deny @ 0')
    expect(decide('/admin;x/users')).toBe('deny @ 0')
    expect(decide('/;x/admin')).toBe('deny @ 0')
    expect(decide('/ADMIN;x')).toBe('deny @ 0')
    expect(decide('/panel;x')).toBe('two_factor @ 1')
    expect(decide('/panel;x/')).toBe('bypass @ default')
    expect(decide('/public;x')).toBe('bypass @ default')
  })

  it('applies a stricter rule to what Windows, best-fit conversion or a second decode make of the path', () => {
    const decide = policyOf([{ prefix: '/admin', policy: 'deny' }], 'bypass')
    expect(decide('/admin.')).toBe('deny @ 0')
    expect(decide('/admin%20./users')).toBe('deny @ 0')
    expect(decide('/%EF%BD%81dmin')).toBe('deny @ 0')
    expect(decide('/%EF%BC%A1DMIN')).toBe('deny @ 0')
    expect(decide('/%2561dmin')).toBe('deny @ 0')
    expect(decide('/admin%253Bx')).toBe('deny @ 0')
    expect(decide('/admin.html')).toBe('bypass @ default')
    expect(decide('/%C3%A4dmin')).toBe('bypass @ default')
  })

  it("never lets the reading without ';' parameters weaken a rule", () => {
    const decide = policyOf([{ path: '/api/status', policy: 'bypass' }])
    expect(decide('/api/status;v=2')).toBe('two_factor @ default')
    expect(decide('/api/status')).toBe('bypass @ 0')
  })

  it('matches a prefix without a trailing slash on whole segments only', () => {
    const decide = policyOf([{ prefix: '/api', policy: 'bypass' }])
    expect(decide('/api')).toBe('bypass @ 0')
    expect(decide('/api/')).toBe('bypass @ 0')
    expect(decide('/api/x/y')).toBe('bypass @ 0')
    expect(decide('/apix')).toBe('two_factor @ default')
    expect(decide('/api.json')).toBe('two_factor @ default')
    expect(decide('/api;x')).toBe('two_factor @ default')
    expect(decide('/API/x')).toBe('two_factor @ default')
  })

  it('matches a prefix with a trailing slash below it, not the bare name', () => {
    const decide = policyOf([{ prefix: '/api/', policy: 'bypass' }])
    expect(decide('/api/')).toBe('bypass @ 0')
    expect(decide('/api/x')).toBe('bypass @ 0')
    expect(decide('/api')).toBe('two_factor @ default')
    expect(decide('/apix/')).toBe('two_factor @ default')
  })

  it('matches the root prefix everywhere', () => {
    expect(policyOf([{ prefix: '/', policy: 'deny' }])('/anything/at/all')).toBe('deny @ 0')
  })

  it('requires a regex to match the whole path', () => {
    const decide = policyOf([{ regex: '/api/v[0-9]+/.*', policy: 'bypass' }])
    expect(decide('/api/v2/users')).toBe('bypass @ 0')
    expect(decide('/admin/api/v2/users')).toBe('two_factor @ default')
    expect(decide('/api/v2')).toBe('two_factor @ default')
  })

  it('keeps a regex alternation inside the anchors', () => {
    const decide = policyOf([{ regex: '/a|/b', policy: 'bypass' }])
    expect(decide('/a')).toBe('bypass @ 0')
    expect(decide('/b')).toBe('bypass @ 0')
    expect(decide('/a/x')).toBe('two_factor @ default')
    expect(decide('/x/b')).toBe('two_factor @ default')
  })

  it('matches methods against the upper-cased request method', () => {
    const decide = policyOf([{ prefix: '/upload/', methods: ['POST', 'PUT'], policy: 'deny' }])
    expect(decide('/upload/x', { method: 'POST' })).toBe('deny @ 0')
    expect(decide('/upload/x', { method: 'put' })).toBe('deny @ 0')
    expect(decide('/upload/x', { method: 'GET' })).toBe('two_factor @ default')
  })

  it('upper-cases the methods of a rule built without the schema', () => {
    expect(
      policyOf([{ prefix: '/', methods: ['options'], policy: 'bypass' }])('/x', { method: 'OPTIONS' }),
    ).toBe('bypass @ 0')
  })

  it('matches IPv4, IPv6 and IPv4-mapped client addresses against networks', () => {
    const decide = policyOf([{ prefix: '/', networks: ['10.0.0.0/8', '2001:db8::/32'], policy: 'bypass' }])
    expect(decide('/x', { clientIp: '10.1.2.3' })).toBe('bypass @ 0')
    expect(decide('/x', { clientIp: '::ffff:10.1.2.3' })).toBe('bypass @ 0')
    expect(decide('/x', { clientIp: '2001:db8::1' })).toBe('bypass @ 0')
    expect(decide('/x', { clientIp: '11.0.0.1' })).toBe('two_factor @ default')
    expect(decide('/x', { clientIp: '::ffff:11.0.0.1' })).toBe('two_factor @ default')
    expect(decide('/x', { clientIp: '2001:db9::1' })).toBe('two_factor @ default')
    expect(decide('/x', { clientIp: 'unknown' })).toBe('two_factor @ default')
  })

  it('bypasses the WHM JSON API only with a WHM API token', () => {
    const decide = policyOf([{ prefix: '/json-api/', headers: { Authorization: '^whm ' }, policy: 'bypass' }])
    const token = { Authorization: 'whm root:0123456789ABCDEF' }
    expect(decide('/json-api/listaccts', { headers: token })).toBe('bypass @ 0')
    expect(decide('/json-api/listaccts', { headers: { authorization: 'whm root:x' } })).toBe('bypass @ 0')
    expect(decide('/json-api/listaccts')).toBe('two_factor @ default')
    expect(decide('/json-api/listaccts', { headers: { Authorization: 'Basic cm9vdDpwdw==' } })).toBe(
      'two_factor @ default',
    )
    expect(decide('/json-api/listaccts', { headers: { Authorization: 'Basic x whm y' } })).toBe(
      'two_factor @ default',
    )
    expect(decide('/other', { headers: token })).toBe('two_factor @ default')
  })

  it('treats header regexes as unanchored and needs every listed header', () => {
    const decide = policyOf([
      { prefix: '/hook/', headers: { 'X-Hook-Token': 'abc', 'X-Source': 'billing' }, policy: 'bypass' },
    ])
    expect(decide('/hook/x', { headers: { 'X-Hook-Token': 'xxabcxx', 'X-Source': 'billing-1' } })).toBe(
      'bypass @ 0',
    )
    expect(decide('/hook/x', { headers: { 'X-Hook-Token': 'abc' } })).toBe('two_factor @ default')
    expect(decide('/hook/x', { headers: { 'X-Hook-Token': '', 'X-Source': 'billing' } })).toBe(
      'two_factor @ default',
    )
  })

  it('needs every criterion of a rule to hold', () => {
    const decide = policyOf([
      {
        prefix: '/api/',
        methods: ['GET'],
        networks: ['192.0.2.0/24'],
        headers: { 'X-Key': '.' },
        policy: 'bypass',
      },
    ])
    const ok = { method: 'GET', clientIp: '192.0.2.9', headers: { 'X-Key': 'k' } }
    expect(decide('/api/x', ok)).toBe('bypass @ 0')
    expect(decide('/apx/x', ok)).toBe('two_factor @ default')
    expect(decide('/api/x', { ...ok, method: 'POST' })).toBe('two_factor @ default')
    expect(decide('/api/x', { ...ok, clientIp: '192.0.3.9' })).toBe('two_factor @ default')
    expect(decide('/api/x', { ...ok, headers: {} })).toBe('two_factor @ default')
  })

  it('returns the same decision object for the same rule', () => {
    const compiled = compileRules([{ prefix: '/', policy: 'bypass' }], 'two_factor')
    const request = { path: '/a', method: 'GET', clientIp: '192.0.2.1', header: () => undefined }
    expect(decidePolicy(compiled, request)).toBe(decidePolicy(compiled, { ...request, path: '/b' }))
  })
})

describe('compileRules', () => {
  it.each<[Rule, string]>([
    [
      { prefix: '/api//', policy: 'bypass' },
      "rules.0.prefix: expected the normalised form '/api/' but it's '/api//'",
    ],
    [
      { path: '/%7euser', policy: 'bypass' },
      "rules.0.path: expected the normalised form '/~user' but it's '/%7euser'",
    ],
    [
      { path: '/a/../b', policy: 'bypass' },
      "rules.0.path: expected the normalised form '/b' but it's '/a/../b'",
    ],
    [
      { prefix: '/a%2fb', policy: 'bypass' },
      "rules.0.prefix: '/a%2fb' is not a valid path: path contains an encoded '/' (%2F)",
    ],
    [
      { regex: '(', policy: 'bypass' },
      "rules.0.regex: expected a valid regular expression but it's '^(?:()$'",
    ],
    [
      { prefix: '/', headers: { 'X-A': '[' }, policy: 'bypass' },
      "rules.0.headers.X-A: expected a valid regular expression but it's '['",
    ],
    [
      { prefix: '/', networks: ['10.0.0.0/33'], policy: 'bypass' },
      'rules.0.networks: Not an IP network: 10.0.0.0/33',
    ],
    [
      { path: '/a', prefix: '/a', policy: 'bypass' },
      'rules.0: expected exactly one of path, prefix or regex',
    ],
    [{ policy: 'bypass' }, 'rules.0: expected exactly one of path, prefix or regex'],
  ])('refuses %j at start-up', (rule, message) => {
    expect(() => compileRules([rule], 'two_factor')).toThrow(new TypeError(message))
  })
})

describe('explainPolicy', () => {
  it('names the rule that decided, or the default', () => {
    const compiled = compileRules(
      [
        { path: '/login', policy: 'bypass' },
        { prefix: '/api/', methods: ['GET'], networks: ['10.0.0.0/8'], policy: 'bypass' },
        { regex: '/json-api/.*', headers: { Authorization: '^whm ' }, policy: 'bypass' },
      ],
      'two_factor',
    )
    const explain = (path: string, clientIp = '10.0.0.1'): string =>
      explainPolicy(
        compiled,
        decidePolicy(compiled, { path, method: 'GET', clientIp, header: () => 'whm root:x' }),
      )
    expect(explain('/login')).toBe('rules.0 (path /login) → bypass')
    expect(explain('/api/x')).toBe('rules.1 (prefix /api/, methods GET, networks 10.0.0.0/8) → bypass')
    expect(explain('/json-api/x', '192.0.2.1')).toBe(
      'rules.2 (regex /json-api/.*, headers authorization) → bypass',
    )
    expect(explain('/admin')).toBe('default_policy → two_factor')
  })
})

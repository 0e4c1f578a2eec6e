import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { parseConfig } from '../../gateway/load-config.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { rawRequest } from '../support/raw-http.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts'

/**
 * DESIGN invariant 1, for headers: the rules judge the request line, so the panel must act on that
 * request line and no other. IIS, Symfony and other PHP frameworks route by X-Original-URL and
 * X-Rewrite-URL; most frameworks take the method from X-HTTP-Method-Override and its kin. Sent on
 * raw sockets, so that spellings node:http would not send (dots) are tried too; the assertion is on
 * what the panel received.
 */
const rules = [
  { prefix: '/api/', policy: 'bypass' },
  { prefix: '/reports/', methods: ['GET', 'HEAD'], policy: 'bypass' },
]
const routeOverrides = [
  'X-Original-URL: /login',
  'X-Rewrite-URL: /login',
  'x_original_url: /login',
  'X.Rewrite.URL: /login',
  'X-Original-URI: /login',
  'X-Forwarded-Uri: /login',
]
const methodOverrides = [
  'X-HTTP-Method-Override: DELETE',
  'X-HTTP-Method: DELETE',
  'X-Method-Override: DELETE',
  'X_HTTP_Method_Override: DELETE',
]
/** Every name the panel received, folded as a CGI gateway folds them. */
const folded = (rawHeaders: string[]) =>
  rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase().replace(/[-_.]/g, ''))

let upstream: RecordingUpstream
let gateway: TestGateway
let keeping: TestGateway

beforeAll(async () => {
  upstream = await startRecordingUpstream()
  gateway = await startTestGateway({ upstreamUrl: upstream.url, config: { rules } })
  keeping = await startTestGateway({
    upstreamUrl: upstream.url,
    config: { rules, upstream: { url: upstream.url, keep_override_headers: ['x-http-method-override'] } },
  })
})
afterAll(async () => {
  await keeping.close()
  await gateway.close()
  await upstream.close()
})
beforeEach(() => {
  upstream.requests.length = 0
})

describe('headers that would make the panel serve another path or method', () => {
  it('a bypassed POST with X-Original-URL: /login never reaches the panel with it', async () => {
    const response = await rawRequest(gateway.url, 'POST', '/api/echo', [
      ...routeOverrides,
      'Content-Type: application/x-www-form-urlencoded',
      'Content-Length: 29',
      '',
      'username=admin&password=guess',
    ])
    expect(response.status).toBe(404)
    expect(upstream.requests).toHaveLength(1)
    const [received] = upstream.requests
    expect(received?.target).toBe('/api/echo')
    for (const name of ['xoriginalurl', 'xrewriteurl', 'xoriginaluri', 'xforwardeduri']) {
      expect(folded(received?.rawHeaders ?? [])).not.toContain(name)
    }
  })

  it('a methods: [GET] bypass cannot carry a DELETE in an override header', async () => {
    const response = await rawRequest(gateway.url, 'GET', '/reports/echo', methodOverrides)
    expect(response.status).toBe(404)
    const [received] = upstream.requests
    expect(received?.method).toBe('GET')
    for (const name of ['xhttpmethodoverride', 'xhttpmethod', 'xmethodoverride']) {
      expect(folded(received?.rawHeaders ?? [])).not.toContain(name)
    }
  })

  it('passes one on only when upstream.keep_override_headers names it, and the others never', async () => {
    await rawRequest(keeping.url, 'GET', '/reports/echo', [...methodOverrides, ...routeOverrides])
    const [received] = upstream.requests
    expect(folded(received?.rawHeaders ?? []).filter((name) => name.includes('override'))).toEqual([
      'xhttpmethodoverride',
    ])
    expect(received?.headers['x-http-method-override']).toBe('DELETE')
    expect(received?.headers).not.toHaveProperty('x-original-url')
  })

  it('refuses to keep a header that is not an override header', () => {
    const loaded = parseConfig(
      {
        public_url: 'https://panel.example.com',
        upstream: { url: 'http://127.0.0.1:2082', keep_override_headers: ['X-Forwarded-For'] },
        encryption_key: 'k'.repeat(40),
        first_factor: { panel_cookies: ['session'] },
      },
      { baseDir: '/etc/tapgate', env: {} },
    )
    expect(loaded.ok ? [] : loaded.problems.join('\n')).toMatch(
      /upstream\.keep_override_headers.*X-Original-URL/,
    )
  })
})

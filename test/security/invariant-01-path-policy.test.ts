import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { loadPathCorpus, PATH_CORPUS_DEFAULT_POLICY, PATH_CORPUS_RULES } from '../support/path-corpus.ts'
import { rawRequest } from '../support/raw-http.ts'

/**
 * DESIGN invariant 1: no path reaches the panel under a weaker policy than its normalised path
 * demands. Each corpus line is sent byte for byte to a real gateway in front of a real upstream with
 * `/api/` bypassed; the assertion is on what the upstream received (or that it received nothing).
 */
const corpus = loadPathCorpus()
/**
 * A CR, LF or trailing space ends the request-target on the wire, so those lines cannot be sent as one
 * target over HTTP (Node reads "/api/\r\nX: 1" as the target "/api/"). They stay covered by the
 * unit corpus test on normalizePath; every other line is replayed here.
 */
const onTheWire = corpus.filter((c) => !/[\r\n]| $/.test(c.target))
let upstream: http.Server
let gateway: TestGateway
/** The other shape: everything open but a denied area, as an operator with a default bypass writes it. */
let denyingGateway: TestGateway
let received: string[] = []

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    received.push(req.url ?? '')
    res.end('upstream')
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  gateway = await startTestGateway({
    upstreamUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    config: { rules: PATH_CORPUS_RULES, default_policy: PATH_CORPUS_DEFAULT_POLICY },
  })
  denyingGateway = await startTestGateway({
    upstreamUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    config: { rules: [{ prefix: '/admin', policy: 'deny' }], default_policy: 'bypass' },
  })
})
afterAll(async () => {
  await denyingGateway.close()
  await gateway.close()
  upstream.close()
})

describe('path corpus over HTTP (rules: /api/ bypass, default two_factor, no session)', () => {
  it.each(onTheWire.map((c) => [`line ${c.line}: ${JSON.stringify(c.target)}`, c] as const))(
    '%s',
    async (_, c) => {
      received = []
      const response = await rawRequest(gateway.url, 'GET', c.target, ['Accept: application/json'])
      if ('status' in c.expected) {
        expect(response.status).toBe(400)
        expect(received).toEqual([])
      } else if ('policy' in c && c.policy === 'bypass') {
        expect(response.status).toBe(200)
        expect(received).toEqual([c.expected.path + c.expected.query])
      } else {
        expect(response.status).toBe(401)
        expect(received).toEqual([])
      }
    },
  )

  it('covers the bypass attempts the issue names', () => {
    const targets = new Set(corpus.map((c) => c.target))
    for (const attempt of [
      '/api/../admin',
      '/api/%2e%2e/admin',
      '/API/..;/admin',
      '//api/x',
      '/api%2fx',
      '/./api/../admin',
      '/api/%25c0%25ae%25c0%25ae/admin',
      '/api/..%23/admin',
      '/api/..%3F/admin',
    ]) {
      expect(targets).toContain(attempt)
    }
  })
})

describe('a deny for /admin with default bypass covers every way a panel may read /admin', () => {
  it.each([
    ['/Admin', 'case-insensitive panel (IIS)'],
    ['/ADMIN/users', 'case-insensitive panel (IIS)'],
    ['/admin;jsessionid=1', 'path parameters (Tomcat, Jetty)'],
    ['/admin%3Bx/users', 'encoded path parameters'],
    ['/admin./users', 'trailing dot (Windows)'],
    ['/admin%20', 'trailing space (Windows)'],
    ['/%EF%BD%81dmin', 'fullwidth letter (best-fit code pages)'],
    ['/%2561dmin', 'a second decode'],
    ['/admin%3Fx', "a panel that decodes and re-parses the path: '/admin?x' is '/admin'"],
    ['/admin%23/users', "the same with '#'"],
    ['/admin%253F', 'the same after a second decode'],
  ])('%s: %s', async (target) => {
    received = []
    const response = await rawRequest(denyingGateway.url, 'GET', target, ['Accept: application/json'])
    expect(response.status).toBe(403)
    expect(received).toEqual([])
  })

  it('still passes what is not /admin to the panel', async () => {
    received = []
    const response = await rawRequest(denyingGateway.url, 'GET', '/administrator.html;v=2', [])
    expect(response.status).toBe(200)
    expect(received).toEqual(['/administrator.html;v=2'])
  })
})

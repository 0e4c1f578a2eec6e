import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ForegroundServer } from '../support/foreground-server.ts'
import { expectOnlyTapgateTold, forgedHeaderLines, shippedProxies } from '../support/forward-auth-proxies.ts'
import { freePort } from '../support/free-port.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { rawRequest } from '../support/raw-http.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts'

/**
 * A client without a session, through Debian's real nginx and Caddy running the shipped examples,
 * tries to make tapgate judge another request than the one the proxy serves: by sending the headers
 * that name the original request itself, or by asking for an address of tapgate's own that the proxy
 * hands the panel. The panel must never see the request. Where tapgate lets the request through (a
 * bypassed path), the client tries to make the panel serve another path or method than tapgate judged,
 * or to pose as a user: the proxy must hand the panel none of those headers, in any spelling.
 */
const json = { accept: 'application/json' }

describe.each(shippedProxies)('$name, attacked', ({ kind, start }) => {
  let panel: RecordingUpstream
  let gateway: TestGateway
  let proxy: ForegroundServer

  beforeAll(async () => {
    panel = await startRecordingUpstream()
    const proxyPort = await freePort()
    gateway = await startTestGateway({
      upstreamUrl: panel.url,
      config: {
        public_url: `http://127.0.0.1:${proxyPort}`,
        trusted_proxies: ['127.0.0.1/32'],
        forward_auth: { proxy: kind },
        // No one signs in here.
        first_factor: { mode: 'local', users_file: 'config/users/example-users.yaml' },
        rules: [
          { prefix: '/api/', policy: 'bypass' },
          { prefix: '/echo/reports/', methods: ['GET'], policy: 'bypass' },
        ],
      },
    })
    proxy = await start(proxyPort, new URL(gateway.url).host, new URL(panel.url).host)
  })
  afterAll(async () => {
    await proxy?.stop()
    await gateway?.close()
    await panel?.close()
  })

  /** The status the client got, and the targets that reached the panel meanwhile. */
  async function attempt(send: () => Promise<{ status: number }>) {
    const before = panel.requests.length
    const { status } = await send()
    return { status, panelSaw: panel.requests.slice(before).map((request) => request.target) }
  }

  it.each([
    ['X-Original-URI', '/api/ping'],
    ['X-Original-URI', '/_tapgate/x'],
    ['X-Forwarded-Uri', '/api/ping'],
    ['X-Forwarded-Uri', '/_tapgate/x'],
  ])('a client’s own %s: %s does not open a protected path', async (header, value) => {
    // Each example replaces or removes the client's question headers before asking: no session, 401.
    const { status, panelSaw } = await attempt(() =>
      fetch(`${proxy.url}/echo/admin`, { headers: { ...json, [header]: value } }),
    )
    expect(status).toBe(401)
    expect(panelSaw).toEqual([])
  })

  it.each([
    ['X-Original-Method', { 'X-Original-URI': '/echo/reports/1', 'X-Original-Method': 'GET' }],
    ['X-Forwarded-Method', { 'X-Forwarded-Uri': '/echo/reports/1', 'X-Forwarded-Method': 'GET' }],
  ])('a client’s own %s does not pass a DELETE as a GET', async (_header, headers) => {
    const { status, panelSaw } = await attempt(() =>
      fetch(`${proxy.url}/echo/reports/1`, { method: 'DELETE', headers: { ...json, ...headers } }),
    )
    expect(status).toBe(401)
    expect(panelSaw).toEqual([])
  })

  // Addresses that the proxy's `/_tapgate/` location does not take, but that tapgate reads as its own.
  it.each(['/_tapgate', '/_tapgate?x=1', '/x/../_tapgate', '/%5Ftapgate'])(
    'never hands the panel %s, an address of tapgate’s',
    async (target) => {
      const { status, panelSaw } = await attempt(() =>
        rawRequest(proxy.url, 'GET', target, ['Accept: application/json']),
      )
      // 404 from tapgate; nginx sends /_tapgate to /_tapgate/ itself, as its location is a prefix.
      expect([301, 404]).toContain(status)
      expect(panelSaw).toEqual([])
    },
  )

  it('tells the client 400 for a path tapgate refuses, not a server error', async () => {
    // The proxy decodes the path once to route it; tapgate refuses what a second decode makes a '..'.
    const { status, panelSaw } = await attempt(() =>
      rawRequest(proxy.url, 'GET', '/echo/%252e%252e/admin', ['Accept: application/json']),
    )
    expect(status).toBe(400)
    expect(panelSaw).toEqual([])
  })

  it.each(['/api/status', '/echo/reports/1'])(
    'hands the panel no route or method override and no identity on bypassed %s, in any spelling',
    async (path) => {
      // `X-Original-URL: /admin`, `X-HTTP-Method-Override: DELETE` (past a GET-only bypass rule),
      // `X-Webauth-User: admin`, `Remote_User: admin` … for a panel that routes by them or trusts them.
      const before = panel.requests.length
      const { status } = await rawRequest(proxy.url, 'GET', path, [
        'Accept: application/json',
        ...forgedHeaderLines,
      ])
      const [request, ...more] = panel.requests.slice(before)
      expect(more).toEqual([])
      expect(request?.target).toBe(path)
      expect(request?.method).toBe('GET')
      expect(status).toBe(path === '/api/status' ? 404 : 200)
      expectOnlyTapgateTold(request?.rawHeaders ?? [], {})
    },
  )

  it('hands the panel the host the client asked for, never a forwarded host the client wrote', async () => {
    const before = panel.requests.length
    await rawRequest(proxy.url, 'GET', '/api/status', [
      'Accept: application/json',
      'X-Forwarded-Host: evil.example',
      'Forwarded: host=evil.example',
    ])
    const [request] = panel.requests.slice(before)
    const raw = request?.rawHeaders ?? []
    const values = raw.filter((_, at) => at % 2 === 1)
    expect(values.filter((value) => value.includes('evil.example'))).toEqual([])
  })
})

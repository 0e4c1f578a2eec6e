import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ForegroundServer } from '../support/foreground-server.ts'
import { shippedProxies } from '../support/forward-auth-proxies.ts'
import { freePort } from '../support/free-port.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { rawRequest } from '../support/raw-http.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts'

/**
 * A client without a session, through Debian's real nginx and Caddy running the shipped examples,
 * tries to make tapgate judge another request than the one the proxy serves: by sending the headers
 * that name the original request itself, or by asking for an address of tapgate's own that the proxy
 * hands the panel. The panel must never see the request.
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

  /**
   * nginx sets X-Original-URI/-Method itself and passes a client's X-Forwarded-Uri/-Method on, which
   * tapgate refuses (400); Caddy's example removes both kinds before asking (401, no session).
   */
  function refusalOf(header: string): number {
    return kind === 'nginx' && header.startsWith('X-Forwarded-') ? 400 : 401
  }

  it.each([
    ['X-Original-URI', '/api/ping'],
    ['X-Original-URI', '/_tapgate/x'],
    ['X-Forwarded-Uri', '/api/ping'],
    ['X-Forwarded-Uri', '/_tapgate/x'],
  ])('a client’s own %s: %s does not open a protected path', async (header, value) => {
    const { status, panelSaw } = await attempt(() =>
      fetch(`${proxy.url}/echo/admin`, { headers: { ...json, [header]: value } }),
    )
    expect(status).toBe(refusalOf(header))
    expect(panelSaw).toEqual([])
  })

  it.each([
    ['X-Original-Method', { 'X-Original-URI': '/echo/reports/1', 'X-Original-Method': 'GET' }],
    ['X-Forwarded-Method', { 'X-Forwarded-Uri': '/echo/reports/1', 'X-Forwarded-Method': 'GET' }],
  ])('a client’s own %s does not pass a DELETE as a GET', async (header, headers) => {
    const { status, panelSaw } = await attempt(() =>
      fetch(`${proxy.url}/echo/reports/1`, { method: 'DELETE', headers: { ...json, ...headers } }),
    )
    expect(status).toBe(refusalOf(header))
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
})

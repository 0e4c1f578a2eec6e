import http, { type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { rawExchange, rawRequest } from '../support/raw-http.ts'

/**
 * DESIGN invariant 3: a client cannot tell the panel who it is, or where it was reached. Identity
 * headers in every spelling are stripped, and X-Forwarded-For, -Host and their kin are believed only
 * from trusted_proxies.
 */
let upstream: http.Server
let upstreamUrl: string
let seen: IncomingHttpHeaders[] = []
let gateway: TestGateway | undefined

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    seen.push(req.headers)
    res.end('ok')
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
})
afterAll(() => upstream.close())
afterEach(async () => {
  await gateway?.close()
  seen = []
})

const spoofed = {
  'Remote-User': 'admin',
  remote_user: 'admin',
  'Remote-Groups': 'admins',
  'Remote-Email': 'admin@example.com',
  'X-Forwarded-User': 'admin',
  'X-Remote-User': 'admin',
  'X-Forwarded-For': '10.9.8.7',
  'X-Real-IP': '10.9.8.7',
  Forwarded: 'for=10.9.8.7',
  'X-Forwarded-Host': 'evil.example',
  'X-Forwarded-Proto': 'https',
}

describe('headers a client sends to claim an identity', () => {
  it('never reach the panel from an untrusted peer', async () => {
    gateway = await startTestGateway({ upstreamUrl })
    await fetch(`${gateway.url}/api/x`, { headers: spoofed })
    const [headers] = seen
    for (const name of [
      'remote-user',
      'remote_user',
      'remote-groups',
      'remote-email',
      'x-forwarded-user',
      'x-remote-user',
      'forwarded',
    ]) {
      expect(headers).not.toHaveProperty(name)
    }
    expect(headers).toMatchObject({
      'x-forwarded-for': '127.0.0.1',
      'x-real-ip': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': new URL(gateway.url).host,
    })
  })

  it('are believed, and appended to, only when the peer is a trusted proxy', async () => {
    gateway = await startTestGateway({ upstreamUrl, config: { trusted_proxies: ['127.0.0.1/32'] } })
    await fetch(`${gateway.url}/api/x`, { headers: spoofed })
    expect(seen[0]).toMatchObject({
      'x-forwarded-for': '10.9.8.7, 127.0.0.1',
      'x-real-ip': '10.9.8.7',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
    })
    // Identity headers stay stripped even from a trusted proxy: only tapgate sets them.
    expect(seen[0]).not.toHaveProperty('remote-user')
  })

  it('include the names an operator configured for identity, in any spelling', async () => {
    gateway = await startTestGateway({
      upstreamUrl,
      config: { identity_headers: { user: 'X-Panel-User', groups: 'X-Panel-Roles' } },
    })
    await fetch(`${gateway.url}/api/x`, {
      headers: { 'X-Panel-User': 'admin', x_panel_roles: 'root', 'Remote-User': 'admin' },
    })
    expect(seen[0]).not.toHaveProperty('x-panel-user')
    expect(seen[0]).not.toHaveProperty('x_panel_roles')
    expect(seen[0]).not.toHaveProperty('remote-user')
  })
})

describe('identity headers in the spellings other proxies and panels use', () => {
  it('never reach the panel, however the name is written', async () => {
    gateway = await startTestGateway({ upstreamUrl })
    const claims = [
      'X-Webauth-User', // Grafana's and Gitea's default
      'X-WEBAUTH-EMAIL',
      'X_Webauth_User',
      'X-Authenticated-User',
      'X-Auth-Request-Preferred-Username', // oauth2-proxy
      'X-Forwarded-Preferred-Username',
      'Remote.User', // node:http would not send a dotted name; a raw socket does, and Node accepts it
      'X.Remote.User',
      'REMOTE_USER',
      'Remote-Addr',
      'X-Token-User-Name', // caddy-security
      'X-User',
      'X-Email',
      'X-Goog-Authenticated-User-Email', // Google IAP
      'Cf-Access-Authenticated-User-Email', // Cloudflare Access
      'X-Proxy-User',
    ]
    const response = await rawRequest(gateway.url, 'GET', '/api/x', [
      ...claims.map((name) => `${name}: admin`),
      'X-Kept: admin-panel',
    ])
    expect(response.status).toBe(200)
    const [headers = {}] = seen
    expect(Object.keys(headers).filter((name) => headers[name] === 'admin')).toEqual([])
    expect(headers['x-kept']).toBe('admin-panel')
  })
})

describe('where the client says it reached tapgate', () => {
  const forged = [
    'Host: evil.example',
    'X-Forwarded-Host: evil.example',
    'X-Forwarded-Port: 8443',
    'X-Forwarded-Prefix: /evil',
    'X_Forwarded_Host: evil.example',
    'Connection: close',
  ]
  const send = (url: string) => rawExchange(url, `GET /api/x HTTP/1.1\r\n${forged.join('\r\n')}\r\n\r\n`)

  it("is never what the panel builds its links from: X-Forwarded-Host is public_url's host", async () => {
    gateway = await startTestGateway({ upstreamUrl })
    expect((await send(gateway.url)).status).toBe(200)
    const [headers = {}] = seen
    expect(headers['x-forwarded-host']).toBe(new URL(gateway.publicOrigin).host)
    expect(headers).not.toHaveProperty('x-forwarded-port')
    expect(headers).not.toHaveProperty('x-forwarded-prefix')
    expect(headers).not.toHaveProperty('x_forwarded_host')
  })

  it('is believed from a trusted proxy, in the usual spelling only', async () => {
    gateway = await startTestGateway({ upstreamUrl, config: { trusted_proxies: ['127.0.0.1/32'] } })
    expect((await send(gateway.url)).status).toBe(200)
    expect(seen[0]).toMatchObject({
      'x-forwarded-host': 'evil.example',
      'x-forwarded-port': '8443',
      'x-forwarded-prefix': '/evil',
    })
    expect(seen[0]).not.toHaveProperty('x_forwarded_host')
  })
})

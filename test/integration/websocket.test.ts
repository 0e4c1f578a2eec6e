import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { type IncomingHttpHeaders, type IncomingMessage, request, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { BrowserClient } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { freePort } from '../support/free-port.ts'
import { startTestGateway, type TestGateway, testEncryptionKey } from '../support/gateway.ts'
import { startGatewayProcess } from '../support/gateway-process.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import { waitFor } from '../support/wait-for.ts'
import { attachWebSocketUpstream, type WebSocketUpstream } from '../support/websocket-upstream.ts'

/**
 * Issue 6: WebSockets through tapgate. The demo panel (for a real sign-in) also serves a WebSocket
 * echo; rules: /api/ bypass, /blocked deny, everything else two_factor.
 */
const demo = useDemoGateway({
  config: () => ({
    rules: [
      { prefix: '/api/', policy: 'bypass' },
      { prefix: '/blocked', policy: 'deny' },
    ],
  }),
})
let upstream: WebSocketUpstream
/** Clients and gateways a test opened, closed after it. */
let clients: WebSocket[] = []
let gateways: TestGateway[] = []

beforeAll(() => {
  upstream = attachWebSocketUpstream(demo.panel.server)
})
afterAll(() => upstream.close())
beforeEach(() => {
  upstream.upgrades.length = 0
})
afterEach(async () => {
  for (const client of clients) client.terminate()
  clients = []
  await Promise.all(gateways.map((gateway) => gateway.close()))
  gateways = []
})

/** A WebSocket client through the gateway; resolves once the handshake is done. */
async function connect(path: string, headers: Record<string, string> = {}, origin = demo.gateway.url) {
  const client = new WebSocket(`${origin.replace(/^http/, 'ws')}${path}`, { headers })
  clients.push(client)
  await once(client, 'open')
  return client
}

async function nextMessage(client: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  const [data, isBinary] = (await once(client, 'message')) as [Buffer, boolean]
  return { data, isBinary }
}

interface UpgradeAnswer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

interface HandshakeOptions {
  method?: string
  headers?: Record<string, string>
  origin?: string
}

/** A WebSocket handshake over node:http with the target exactly as given (ws resolves dot segments). */
function handshake(target: string, options: HandshakeOptions = {}) {
  const { hostname, port } = new URL(options.origin ?? demo.gateway.url)
  return request({
    hostname,
    port,
    method: options.method ?? 'GET',
    path: target,
    headers: {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      ...options.headers,
    },
  }).end()
}

/** The socket of a switched handshake, with no WebSocket client on it. */
async function switchedSocket(target: string): Promise<Socket> {
  const [, socket] = (await once(handshake(target), 'upgrade')) as [IncomingMessage, Socket]
  return socket
}

/** Whatever came back instead of a switch. */
function upgradeRequest(target: string, options: HandshakeOptions = {}): Promise<UpgradeAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = handshake(target, options)
    outgoing.on('error', reject)
    outgoing.on('upgrade', (response, socket) => {
      socket.destroy()
      reject(new Error(`switched protocols (${response.statusCode}) where a refusal was expected`))
    })
    outgoing.on('response', (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (part: string) => {
        body += part
      })
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }))
    })
  })
}

/** The Cookie header a browser holding these cookies sends. */
function cookieHeader(browser: BrowserClient): string {
  return [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
}

function openConnections(server: Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  )
}

describe('a WebSocket on a two_factor path', () => {
  it('echoes through tapgate for a verified session', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await enrollTotp(browser, demo.gateway.clock)
    const client = await connect('/console/ws?tail=50', { cookie: cookieHeader(browser) })

    client.send('uptime')
    const reply = await nextMessage(client)
    expect(reply.data.toString()).toBe('uptime')
    expect(reply.isBinary).toBe(false)
    expect(upstream.upgrades.map((u) => u.target)).toEqual(['/console/ws?tail=50'])
  })

  it('passes the held panel session on, never tapgate’s cookie, and tells who the user is, never who the client claims', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await enrollTotp(browser, demo.gateway.clock)
    await connect('/console/ws', {
      cookie: cookieHeader(browser),
      'Remote-User': 'admin',
      'X-Forwarded-For': '10.9.8.7',
    })

    const [seen] = upstream.upgrades
    // The panel session tapgate holds for demo; the browser never had it.
    expect(browser.cookies.has('PANELSESSID')).toBe(false)
    expect(seen?.headers.cookie).toMatch(/^PANELSESSID=[0-9a-f]{32}$/)
    expect(seen?.headers['remote-user']).toBe('demo')
    expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.1')
    // What the handshake needs arrives, although Connection and Upgrade are hop-by-hop otherwise.
    expect(seen?.headers.connection).toBe('Upgrade')
    expect(seen?.headers.upgrade).toBe('websocket')
    expect(seen?.headers['sec-websocket-key']).toMatch(/^[A-Za-z0-9+/]{22}==$/)
  })

  it('is refused with 401, not a redirect, without a verified session, and never reaches the panel', async () => {
    const none = await upgradeRequest('/console/ws', { headers: { Accept: 'text/html' } })
    expect(none.status).toBe(401)
    expect(none.headers['content-type']).toBe('application/json')
    expect(JSON.parse(none.body)).toMatchObject({ error: 'unauthorized' })

    // A password alone (a pending session) is not enough either.
    const browser = new BrowserClient(demo.gateway.url)
    await signInWithPassword(browser)
    const pending = await upgradeRequest('/console/ws', { headers: { cookie: cookieHeader(browser) } })
    expect(pending.status).toBe(401)

    const forged = await upgradeRequest('/console/ws', { headers: { cookie: 'tapgate_session=forged' } })
    expect(forged.status).toBe(401)
    expect(upstream.upgrades).toEqual([])
  })
})

describe('the same checks as a GET of the path', () => {
  it('lets a WebSocket on a bypass path through without a session', async () => {
    const client = await connect('/api/ws')
    client.send('ping')
    expect((await nextMessage(client)).data.toString()).toBe('ping')
  })

  it('refuses a denied path with 403', async () => {
    const denied = await upgradeRequest('/blocked/ws')
    expect(denied.status).toBe(403)
    expect(JSON.parse(denied.body)).toMatchObject({ error: 'forbidden' })
    expect(upstream.upgrades).toEqual([])
  })

  it('never proxies the prefix, however the path gets there', async () => {
    for (const target of [
      '/_tapgate/ws',
      '/_tapgate/../_tapgate/x',
      '//_tapgate/2fa',
      '/api/../_tapgate/x',
    ]) {
      const answer = await upgradeRequest(target)
      expect(answer.status, target).toBe(404)
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'not_found' })
    }
    expect(upstream.upgrades).toEqual([])
  })

  it('refuses an ambiguous path with 400', async () => {
    const answer = await upgradeRequest('/api%2f..%2fconsole/ws')
    expect(answer.status).toBe(400)
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'bad_path' })
    expect(upstream.upgrades).toEqual([])
  })

  it('checks the normalised path, and the panel receives exactly that path', async () => {
    expect((await upgradeRequest('/api/../console/ws')).status).toBe(401)
    await connect('/console/../api/./ws')
    expect(upstream.upgrades.map((u) => u.target)).toEqual(['/api/ws'])
  })

  it('does not tunnel what tapgate watches (login form, logout) nor an Upgrade request with a body', async () => {
    expect((await upgradeRequest('/login', { method: 'POST' })).status).toBe(400)
    expect((await upgradeRequest('/logout')).status).toBe(400)
    expect((await upgradeRequest('/api/ws', { headers: { 'Content-Length': '4' } })).status).toBe(400)
    expect(upstream.upgrades).toEqual([])
  })
})

describe('the tunnel', () => {
  it('carries binary and 1 MB messages both ways, byte for byte', async () => {
    const client = await connect('/api/ws')
    const small = Buffer.from([0, 1, 2, 0xfe, 0xff])
    client.send(small)
    const smallEcho = await nextMessage(client)
    expect(smallEcho.isBinary).toBe(true)
    expect(smallEcho.data.equals(small)).toBe(true)

    const large = randomBytes(1024 * 1024)
    client.send(large)
    const largeEcho = await nextMessage(client)
    expect(largeEcho.isBinary).toBe(true)
    expect(largeEcho.data.equals(large)).toBe(true)

    const text = 'é'.repeat(512 * 1024)
    client.send(text)
    expect((await nextMessage(client)).data.toString()).toBe(text)
  })

  it('closes the panel’s end when the client closes, and the client’s when the panel’s goes', async () => {
    const panelSide = upstream.nextConnection()
    const client = await connect('/api/ws')
    const panelEnd = await panelSide
    const panelClosed = once(panelEnd, 'close')
    client.close(4000, 'bye')
    const [code, reason] = (await panelClosed) as [number, Buffer]
    expect(code).toBe(4000)
    expect(reason.toString()).toBe('bye')

    const nextPanelSide = upstream.nextConnection()
    const other = await connect('/api/ws')
    const clientClosed = once(other, 'close')
    // No closing handshake: the panel's socket just goes.
    ;(await nextPanelSide).terminate()
    const [abnormal] = (await clientClosed) as [number]
    expect(abnormal).toBe(1006)
    await waitFor(async () => expect(await openConnections(demo.gateway.server)).toBe(0))
  })

  it('closes the panel’s end when the client’s connection fails', async () => {
    const panelSide = upstream.nextConnection()
    const socket = await switchedSocket('/api/ws')
    const panelClosed = once(await panelSide, 'close')
    // A reset, not a FIN: the gateway's end of it errors.
    socket.resetAndDestroy()
    const [code] = (await panelClosed) as [number]
    expect(code).toBe(1006)
    await waitFor(async () => expect(await openConnections(demo.gateway.server)).toBe(0))
  })

  it('lives longer than upstream.timeout, which covers only the wait for the handshake', async () => {
    const gateway = await startTestGateway({
      upstreamUrl: demo.panel.url,
      config: { upstream: { url: demo.panel.url, timeout: '300ms' } },
    })
    gateways.push(gateway)
    const hang = await upgradeRequest('/api/ws/hang', { origin: gateway.url })
    expect(hang.status).toBe(504)
    expect(JSON.parse(hang.body)).toMatchObject({ error: 'upstream_timeout' })

    const client = await connect('/api/ws', {}, gateway.url)
    // The panel answers on its own clock, well after the gateway's timeout would have run out.
    client.send('later 900 still here')
    expect((await nextMessage(client)).data.toString()).toBe('still here')
  })
})

describe('a panel that does not switch', () => {
  it('has its answer relayed as an ordinary response', async () => {
    const refused = await upgradeRequest('/api/ws/refuse')
    expect(refused.status).toBe(403)
    expect(refused.headers['content-type']).toBe('text/plain')
    expect(refused.body).toBe('no console for you')

    const plain = await upgradeRequest('/api/ws/plain')
    expect(plain.status).toBe(200)
    expect(plain.body).toBe('just a page')
  })

  it('is a 502 when it cannot be reached', async () => {
    const downUrl = `http://127.0.0.1:${await freePort()}`
    const gateway = await startTestGateway({ upstreamUrl: downUrl })
    gateways.push(gateway)
    const answer = await upgradeRequest('/api/ws', { origin: gateway.url })
    expect(answer.status).toBe(502)
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'upstream_unreachable' })
  })
})

describe('an https panel', () => {
  let dir: string
  let panel: Server
  let httpsUpstream: WebSocketUpstream

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tapgate-tls-'))
    // A self-signed certificate for 127.0.0.1, trusted by the gateway through upstream.tls.ca_file.
    execFileSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ])
    panel = createHttpsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (_req, res) => res.end('panel'),
    )
    panel.listen(0, '127.0.0.1')
    await once(panel, 'listening')
    httpsUpstream = attachWebSocketUpstream(panel)
  })
  afterAll(async () => {
    await httpsUpstream.close()
    panel.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('is reached over TLS, and the WebSocket echoes', async () => {
    const port = await freePort()
    const panelUrl = `https://127.0.0.1:${(panel.address() as AddressInfo).port}`
    const gateway = await startGatewayProcess(
      [
        `listen: 127.0.0.1:${port}`,
        `public_url: http://127.0.0.1:${port}`,
        `upstream: { url: '${panelUrl}', tls: { ca_file: '${join(dir, 'cert.pem')}' } }`,
        'first_factor: { panel_cookies: [PANELSESSID] }',
        `encryption_key: ${testEncryptionKey}`,
        'store: { embedded_path: store.db }',
        "rules: [{ prefix: '/', policy: bypass }]",
      ].join('\n'),
    )
    try {
      const client = await connect('/live/logs', {}, gateway.url)
      client.send('over tls')
      expect((await nextMessage(client)).data.toString()).toBe('over tls')
      expect(httpsUpstream.upgrades.map((u) => u.target)).toEqual(['/live/logs'])
    } finally {
      await gateway.stop()
    }
  })
})

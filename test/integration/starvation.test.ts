import { EventEmitter, once } from 'node:events'
import { createServer, get, type IncomingMessage, request, type Server } from 'node:http'
import { type AddressInfo, connect, type Socket } from 'node:net'
import { pipeline } from 'node:stream/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { generatedBody } from '../support/upstream.ts'
import { attachWebSocketUpstream, type WebSocketUpstream } from '../support/websocket-upstream.ts'

/**
 * Issue 14, "one client must not starve the others" (DESIGN invariant 14): connections that send a
 * request body a byte at a time to the login page or a bypassed API held every one of the 256
 * connections to the panel, and every other request, a signed-in user's too, waited for minutes.
 * Each test attacks a real gateway in front of a real panel with real sockets; distinct clients are
 * told apart by X-Forwarded-For from a trusted proxy (127.0.0.1). Durations are short real ones, and
 * every wait is for an event (the panel saw a request, an answer arrived), never a sleep.
 */
const proxy = { trusted_proxies: ['127.0.0.1/32'] }

// ————— The panel —————

interface PanelRequest {
  path: string
  /** The client as the panel was told (the first X-Forwarded-For entry). */
  from: string
  bytes: number
  /** 'complete' once its answer went out, 'aborted' when the gateway gave it up first. */
  outcome: Promise<'complete' | 'aborted'>
  /** Answers a request to /api/hold, which otherwise waits. */
  release(): void
}

interface Panel {
  url: string
  requests: PanelRequest[]
  /** Resolves once `count` requests matching `which` have arrived (counting those already there). */
  arrivals(count: number, which?: (request: PanelRequest) => boolean): Promise<PanelRequest[]>
  close(): Promise<void>
}

/**
 * - `/api/hold`: answered 200 only when the test releases it
 * - `/api/events`: an event stream, open until the client goes
 * - `/api/stall?ms=N`: stops reading the body for N ms after its first chunk (backpressure), then 200
 * - anything else: 200 `{ path, bytes }` once the whole body is in
 * - WebSocket upgrades: an echo (test/support/websocket-upstream.ts)
 */
async function startPanel(): Promise<{ panel: Panel; server: Server }> {
  const requests: PanelRequest[] = []
  const arrived = new EventEmitter()
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://panel')
    let release = () => {}
    const record: PanelRequest = {
      path: url.pathname,
      from: String(req.headers['x-forwarded-for'] ?? '').split(',')[0] ?? '',
      bytes: 0,
      outcome: new Promise((resolve) => {
        res.on('close', () => resolve(res.writableFinished ? 'complete' : 'aborted'))
      }),
      release: () => release(),
    }
    req.on('data', (chunk: Buffer) => {
      record.bytes += chunk.length
    })
    requests.push(record)
    arrived.emit('request')
    if (url.pathname === '/api/hold') {
      release = () => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('released')
      return
    }
    if (url.pathname === '/api/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' })
      res.write('data: hello\n\n')
      return
    }
    if (url.pathname === '/api/stall') {
      req.once('data', () => {
        req.pause()
        setTimeout(() => req.resume(), Number(url.searchParams.get('ms')))
      })
    }
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ path: url.pathname, bytes: record.bytes }))
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    server,
    panel: {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      requests,
      arrivals(count, which = () => true) {
        return new Promise((resolve) => {
          const check = () => {
            const matching = requests.filter(which)
            if (matching.length < count) return
            arrived.off('request', check)
            resolve(matching)
          }
          arrived.on('request', check)
          check()
        })
      },
      async close() {
        server.closeAllConnections()
        server.close()
        await once(server, 'close')
      },
    },
  }
}

// ————— Clients —————

interface RawUpload {
  /** The answer's status once its head arrives; 0 when the connection closed without one. */
  status: Promise<number>
  /** Everything the gateway sent back so far. */
  received(): string
  send(bytes: string): void
  close(): void
}

/**
 * A request whose head is sent at once and whose body (`length` bytes announced) comes only as the
 * test sends it: the slow client of the issue, on its own connection.
 */
function rawUpload(
  gateway: TestGateway,
  options: { path: string; from: string; length: number; type?: string; first?: string; headers?: string[] },
): RawUpload {
  const { hostname, port } = new URL(gateway.url)
  const socket: Socket = connect(Number(port), hostname)
  // A reset after the answer (the gateway closing on an unread body) is part of what is tested.
  socket.on('error', () => {})
  let text = ''
  const status = new Promise<number>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1')
      const head = /^HTTP\/1\.1 (\d{3})[\s\S]*?\r\n\r\n/.exec(text)
      if (head) resolve(Number(head[1]))
    })
    socket.on('close', () => resolve(0))
  })
  const head = [
    `POST ${options.path} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    `X-Forwarded-For: ${options.from}`,
    'Accept: application/json',
    `Content-Type: ${options.type ?? 'application/octet-stream'}`,
    `Content-Length: ${options.length}`,
    ...(options.headers ?? []),
  ]
  socket.write(`${head.join('\r\n')}\r\n\r\n${options.first ?? ''}`, 'latin1')
  return {
    status,
    received: () => text,
    send: (bytes) => {
      if (!socket.destroyed) socket.write(bytes, 'latin1')
    },
    close: () => socket.destroy(),
  }
}

/** POSTs `total` bytes as fast as the connection takes them. */
async function fastUpload(gateway: TestGateway, path: string, from: string, total: number) {
  const outgoing = request(`${gateway.url}${path}`, {
    method: 'POST',
    agent: false,
    headers: { 'content-length': String(total), 'x-forwarded-for': from },
  })
  const answer = once(outgoing, 'response') as Promise<[IncomingMessage]>
  await pipeline(generatedBody(total), outgoing)
  const [response] = await answer
  let text = ''
  for await (const part of response) text += part
  return { status: response.statusCode, text }
}

function fetchFrom(gateway: TestGateway, from: string, path: string, headers: Record<string, string> = {}) {
  return fetch(`${gateway.url}${path}`, { headers: { 'x-forwarded-for': from, ...headers } })
}

/** The count of requests a limit stopped, from the gateway's metrics. */
async function limited(gateway: TestGateway, limit: string): Promise<number> {
  const { values } = await gateway.services.metrics.limited.get()
  return values.find((value) => value.labels.limit === limit)?.value ?? 0
}

function elapsedSince(start: number): number {
  return performance.now() - start
}

// ————— Set-up —————

let panel: Panel
let panelServer: Server
let websockets: WebSocketUpstream
let gateway: TestGateway
/** Whatever a test left open, closed after it: the gateway's close waits for requests in flight. */
let cleanups: (() => void)[] = []

beforeAll(async () => {
  ;({ panel, server: panelServer } = await startPanel())
  websockets = attachWebSocketUpstream(panelServer)
})
afterAll(async () => {
  await websockets.close()
  await panel.close()
})
afterEach(async () => {
  for (const cleanup of cleanups) cleanup()
  cleanups = []
  // No limit may leave a request half-answered: no bug reports, no upstream failures for cut bodies.
  expect(gateway.logs.filter((line) => line.event === 'internal_error')).toEqual([])
  await gateway.close()
  panel.requests.length = 0
})

async function gatewayWith(config: Record<string, unknown>): Promise<TestGateway> {
  gateway = await startTestGateway({ upstreamUrl: panel.url, config: { ...proxy, ...config } })
  return gateway
}

// ————— Tests —————

describe('300 slow uploaders from one address (the issue’s attack), with the default limits', () => {
  it('cannot keep a signed-in user’s requests from being answered within a second each', async () => {
    await gatewayWith({})
    const cap = gateway.services.config.limits.per_ip_concurrency
    const attacker = '198.51.100.66'
    // 270 to a bypassed API path (streamed to the panel, each on a connection of the pool) and 30 to
    // the login form (read by tapgate itself), a byte every 2 s.
    const uploads = Array.from({ length: 300 }, (_, i) =>
      i % 10 === 0
        ? rawUpload(gateway, {
            path: '/login',
            from: attacker,
            length: 1000,
            type: 'application/x-www-form-urlencoded',
            first: 'u',
          })
        : rawUpload(gateway, { path: '/api/upload', from: attacker, length: 1_000_000, first: 'x' }),
    )
    const trickle = setInterval(() => {
      for (const upload of uploads) upload.send('a')
    }, 2_000)
    cleanups.push(() => {
      clearInterval(trickle)
      for (const upload of uploads) upload.close()
    })
    // Every connection has been judged: the cap's worth are held, the rest refused at once.
    let refused = 0
    let answered = 0
    await new Promise<void>((resolve) => {
      for (const upload of uploads)
        void upload.status.then((status) => {
          answered++
          if (status === 429 && ++refused === uploads.length - cap) resolve()
        })
    })
    const admittedToPanel = panel.requests.filter((r) => r.path === '/api/upload')
    expect(admittedToPanel.length).toBeLessThanOrEqual(cap)

    const user = '192.0.2.10'
    const token = await gateway.services.sessions.create({ user: 'alice', level: 'two_factor' })
    const cookie = `${gateway.services.cookie.name}=${token}`
    const timings: number[] = []
    for (let i = 0; i < 10; i++) {
      const start = performance.now()
      const response = await fetchFrom(gateway, user, `/dashboard?i=${i}`, { cookie })
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ path: '/dashboard', bytes: 0 })
      timings.push(elapsedSince(start))
    }
    expect(timings.filter((ms) => ms >= 1_000)).toEqual([])
    // The held uploads are still in progress: they were not dropped to make room.
    expect(answered).toBe(uploads.length - cap)
    expect(await limited(gateway, 'per_ip_concurrency')).toBe(uploads.length - cap)
    expect(gateway.logs.filter((line) => line.event === 'too_many_requests')).toHaveLength(
      uploads.length - cap,
    )
  })
})

describe('a request that finds every connection to the panel busy', () => {
  it('gets 503 after upstream.pool.socket_wait instead of hanging, and the pool recovers', async () => {
    await gatewayWith({ upstream: { url: panel.url, pool: { max_sockets: 2, socket_wait: '250ms' } } })
    // Two clients (two addresses, so no cap applies) hold both connections with slow uploads.
    const holders = ['198.51.100.1', '198.51.100.2'].map((from) =>
      rawUpload(gateway, { path: '/api/upload', from, length: 1000, first: 'x' }),
    )
    cleanups.push(() => {
      for (const holder of holders) holder.close()
    })
    const [first] = await panel.arrivals(2, (r) => r.path === '/api/upload')

    const start = performance.now()
    const response = await fetchFrom(gateway, '198.51.100.3', '/api/ping')
    const waitedMs = elapsedSince(start)
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ error: 'upstream_busy' })
    expect(waitedMs).toBeGreaterThanOrEqual(240)
    expect(waitedMs).toBeLessThan(3_000)
    expect(gateway.logs.filter((line) => line.event === 'upstream_failure')).toMatchObject([
      { kind: 'busy', path: '/api/ping' },
    ])
    expect(await limited(gateway, 'socket_wait')).toBe(1)

    // One holder goes away: its connection to the panel is given up and the next request gets one.
    holders[first?.from === '198.51.100.1' ? 0 : 1]?.close()
    expect(await first?.outcome).toBe('aborted')
    const after = await fetchFrom(gateway, '198.51.100.3', '/api/ping')
    expect(after.status).toBe(200)
    expect(await after.json()).toEqual({ path: '/api/ping', bytes: 0 })
  })
})

describe('a request body that goes silent', () => {
  const limits = { body_idle_timeout: '300ms', body_min_rate: 0 }

  it('is cut with 408 after body_idle_timeout, and the panel’s request is aborted', async () => {
    await gatewayWith({ limits })
    const start = performance.now()
    const upload = rawUpload(gateway, {
      path: '/api/upload',
      from: '198.51.100.20',
      length: 1000,
      first: 'x'.repeat(100),
    })
    cleanups.push(upload.close)
    const [atPanel] = await panel.arrivals(1)
    expect(await upload.status).toBe(408)
    expect(elapsedSince(start)).toBeGreaterThanOrEqual(290)
    expect(upload.received()).toContain('"error":"body_too_slow"')
    expect(upload.received()).toMatch(/\r\nConnection: close\r\n/i)
    expect(await atPanel?.outcome).toBe('aborted')
    expect(atPanel?.bytes).toBe(100)
    expect(gateway.logs.filter((line) => line.event === 'request_body_too_slow')).toMatchObject([
      { limit: 'body_idle_timeout' },
    ])
    expect(await limited(gateway, 'body_idle_timeout')).toBe(1)
    // Answered and logged once, where it was cut: not again as a failure of the panel.
    expect(gateway.logs.filter((line) => line.event === 'upstream_failure')).toEqual([])
  })

  it('is cut with 408 on the login form, which tapgate reads itself before the panel sees anything', async () => {
    await gatewayWith({ limits })
    const upload = rawUpload(gateway, {
      path: '/login',
      from: '198.51.100.21',
      length: 200,
      type: 'application/x-www-form-urlencoded',
      first: 'username=ali',
    })
    cleanups.push(upload.close)
    expect(await upload.status).toBe(408)
    expect(upload.received()).toContain('"error":"body_too_slow"')
    expect(panel.requests).toEqual([])
    expect(await limited(gateway, 'body_idle_timeout')).toBe(1)
  })

  it('is cut with 408 on tapgate’s own forms, which fail quietly after it', async () => {
    await gatewayWith({ limits })
    const token = await gateway.services.sessions.create({ user: 'alice', level: 'two_factor' })
    const upload = rawUpload(gateway, {
      path: '/_tapgate/logout',
      from: '198.51.100.23',
      length: 200,
      type: 'application/x-www-form-urlencoded',
      first: 'csrf=',
      headers: [`Cookie: ${gateway.services.cookie.name}=${token}`, `Origin: ${gateway.publicOrigin}`],
    })
    cleanups.push(upload.close)
    expect(await upload.status).toBe(408)
    expect(upload.received()).toContain('"error":"body_too_slow"')
    expect(await limited(gateway, 'body_idle_timeout')).toBe(1)
    // The session was not ended by half a form.
    expect(await gateway.services.sessions.load(token)).toMatchObject({ user: 'alice' })
  })

  it('is not what a large upload at full speed is, even while the panel stops reading it for a while', async () => {
    await gatewayWith({ limits: { ...limits, body_min_rate: 512, body_rate_grace: '300ms' } })
    const total = 32 * 1024 * 1024
    // The panel stops reading for three idle timeouts: the client is held back, not silent.
    const uploaded = await fastUpload(gateway, '/api/stall?ms=900', '198.51.100.22', total)
    expect(uploaded.status).toBe(200)
    expect(JSON.parse(uploaded.text)).toEqual({ path: '/api/stall', bytes: total })
    expect(await limited(gateway, 'body_idle_timeout')).toBe(0)
    expect(await limited(gateway, 'body_min_rate')).toBe(0)
  })
})

describe('a request body that trickles', () => {
  const limits = { body_idle_timeout: '2s', body_min_rate: 2000, body_rate_grace: '300ms' }

  it('is cut with 408 once body_rate_grace has passed, though it never goes silent for long', async () => {
    await gatewayWith({ limits })
    const start = performance.now()
    const upload = rawUpload(gateway, { path: '/api/upload', from: '198.51.100.30', length: 100_000 })
    // 20 bytes every 50 ms: 400 bytes/s, never silent for anywhere near body_idle_timeout.
    const trickle = setInterval(() => upload.send('y'.repeat(20)), 50)
    cleanups.push(() => {
      clearInterval(trickle)
      upload.close()
    })
    const [atPanel] = await panel.arrivals(1)
    expect(await upload.status).toBe(408)
    const cutAfterMs = elapsedSince(start)
    expect(cutAfterMs).toBeGreaterThanOrEqual(290)
    expect(cutAfterMs).toBeLessThan(2_000)
    expect(await atPanel?.outcome).toBe('aborted')
    expect(gateway.logs.filter((line) => line.event === 'request_body_too_slow')).toMatchObject([
      { limit: 'body_min_rate' },
    ])
    expect(await limited(gateway, 'body_min_rate')).toBe(1)
  })

  it('passes when it keeps the minimum rate, with pauses', async () => {
    await gatewayWith({ limits })
    const total = 64 * 1024
    const upload = rawUpload(gateway, { path: '/api/upload', from: '198.51.100.31', length: total })
    // 4 KiB every 20 ms: about 200 KB/s, well above 2000 bytes/s.
    let sent = 0
    const pieces = setInterval(() => {
      upload.send('z'.repeat(4096))
      sent += 4096
      if (sent >= total) clearInterval(pieces)
    }, 20)
    cleanups.push(() => {
      clearInterval(pieces)
      upload.close()
    })
    expect(await upload.status).toBe(200)
    const [atPanel] = await panel.arrivals(1)
    expect(await atPanel?.outcome).toBe('complete')
    expect(atPanel?.bytes).toBe(total)
  })
})

describe('requests in progress per client address (limits.per_ip_concurrency)', () => {
  const limits = { per_ip_concurrency: 3 }

  /** Three requests from `from` that the panel holds until released; resolves once it has all three. */
  async function holdThree(from: string) {
    const answers = [0, 1, 2].map(() => fetchFrom(gateway, from, '/api/hold'))
    const held = await panel.arrivals(3, (r) => r.path === '/api/hold' && r.from === from)
    return {
      async release() {
        for (const request of held) request.release()
        return Promise.all(answers.map(async (answer) => (await answer).status))
      },
    }
  }

  it('refuses the one over the cap at once with 429 and Retry-After; other addresses are not affected', async () => {
    await gatewayWith({ limits })
    const held = await holdThree('198.51.100.40')

    const over = await fetchFrom(gateway, '198.51.100.40', '/api/ping')
    expect(over.status).toBe(429)
    expect(over.headers.get('retry-after')).toBe('1')
    expect(await over.json()).toMatchObject({ error: 'too_many_requests' })
    const page = await fetchFrom(gateway, '198.51.100.40', '/dashboard', { accept: 'text/html' })
    expect(page.status).toBe(429)
    expect(page.headers.get('retry-after')).toBe('1')
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await page.text()).toContain('Too many requests at once')

    const other = await fetchFrom(gateway, '198.51.100.41', '/api/ping')
    expect(other.status).toBe(200)
    expect(await held.release()).toEqual([200, 200, 200])
    expect(gateway.logs.filter((line) => line.event === 'too_many_requests')).toMatchObject([
      { ip: '198.51.100.40' },
      { ip: '198.51.100.40' },
    ])
    expect(await limited(gateway, 'per_ip_concurrency')).toBe(2)
  })

  it('counts an IPv6 /64 as one address', async () => {
    await gatewayWith({ limits })
    const held = await holdThree('2001:db8:7:7::1')
    expect((await fetchFrom(gateway, '2001:db8:7:7:abcd::2', '/api/ping')).status).toBe(429)
    expect((await fetchFrom(gateway, '2001:db8:7:8::1', '/api/ping')).status).toBe(200)
    expect(await held.release()).toEqual([200, 200, 200])
  })

  it('gives each place back when its request is over, whatever the answer', async () => {
    await gatewayWith({ limits: { ...limits, body_idle_timeout: '200ms' } })
    const from = '198.51.100.42'
    // Answers of every kind: the panel's, tapgate's own pages and its refusals.
    const paths = ['/api/ping', '/_tapgate/nothing', '/dashboard', '/api/%2fx', '/api/ping?again']
    for (let round = 0; round < 4; round++) {
      for (const path of paths) await (await fetchFrom(gateway, from, path)).arrayBuffer()
    }
    const statuses = new Set<number>()
    for (const path of paths) statuses.add((await fetchFrom(gateway, from, path)).status)
    expect([...statuses].sort((a, b) => a - b)).toEqual([200, 400, 401, 404])
    // An upload answered 200, one cut for its pace, and one whose client went away give theirs back.
    expect((await fastUpload(gateway, '/api/upload', from, 100_000)).status).toBe(200)
    const silent = rawUpload(gateway, { path: '/api/upload', from, length: 100, first: 'x' })
    cleanups.push(silent.close)
    expect(await silent.status).toBe(408)
    const gone = rawUpload(gateway, { path: '/api/gone', from, length: 100, first: 'x' })
    const [atPanel] = await panel.arrivals(1, (r) => r.path === '/api/gone')
    gone.close()
    expect(await atPanel?.outcome).toBe('aborted')

    // Exactly the cap is still there: three are held, the fourth is refused.
    const held = await holdThree(from)
    expect((await fetchFrom(gateway, from, '/api/ping')).status).toBe(429)
    expect(await held.release()).toEqual([200, 200, 200])
    expect((await fetchFrom(gateway, from, '/api/ping')).status).toBe(200)
  })

  it('counts an event stream only until its head: more streams than the cap stay open', async () => {
    await gatewayWith({ limits })
    const from = '198.51.100.43'
    const streams = await Promise.all(
      [0, 1, 2, 3, 4].map(
        () =>
          new Promise<IncomingMessage>((resolve, reject) => {
            const outgoing = get(`${gateway.url}/api/events`, {
              agent: false,
              headers: { 'x-forwarded-for': from },
            })
            outgoing.once('response', resolve).once('error', reject)
            cleanups.push(() => outgoing.destroy())
          }),
      ),
    )
    expect(streams.map((stream) => stream.statusCode)).toEqual([200, 200, 200, 200, 200])
    expect((await fetchFrom(gateway, from, '/api/ping')).status).toBe(200)
  })

  it('counts a WebSocket only for its handshake, which the cap refuses like any request', async () => {
    await gatewayWith({ limits })
    const from = '198.51.100.44'
    const headers = { 'x-forwarded-for': from }
    const open = await Promise.all(
      [0, 1, 2, 3, 4].map(async () => {
        const client = new WebSocket(`${gateway.url.replace('http', 'ws')}/api/console`, { headers })
        cleanups.push(() => client.terminate())
        await once(client, 'open')
        return client
      }),
    )
    expect(open).toHaveLength(5)
    expect((await fetchFrom(gateway, from, '/api/ping')).status).toBe(200)

    const held = await holdThree(from)
    const refused = new WebSocket(`${gateway.url.replace('http', 'ws')}/api/console`, { headers })
    // Its refusal is this test's answer: ws reports closing the refused handshake as an error.
    refused.on('error', () => {})
    cleanups.push(() => refused.terminate())
    const [, response] = (await once(refused, 'unexpected-response')) as [unknown, IncomingMessage]
    expect(response.statusCode).toBe(429)
    expect(response.headers['retry-after']).toBe('1')
    expect(await held.release()).toEqual([200, 200, 200])
  })
})

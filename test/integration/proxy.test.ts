import { Agent, request } from 'node:http'
import { connect } from 'node:net'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { freePort } from '../support/free-port.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import {
  type RecordedRequest,
  type RecordingUpstream,
  startRecordingUpstream,
  upstreamCookies,
} from '../support/upstream.ts'

const bypassEverything = { rules: [{ prefix: '/', policy: 'bypass' }] }

let upstream: RecordingUpstream
let gateway: TestGateway
/** Every gateway a test started, closed after it. */
let started: TestGateway[] = []
/** Keep-alive client connections, so the gateway's own Connection/Keep-Alive answers are the usual ones. */
const agent = new Agent({ keepAlive: true })

beforeAll(async () => {
  upstream = await startRecordingUpstream()
})
afterAll(async () => {
  agent.destroy()
  await upstream.close()
})
beforeEach(async () => {
  upstream.requests.length = 0
  gateway = await gatewayWith({})
})
afterEach(async () => {
  await Promise.all(started.map((g) => g.close()))
  started = []
})

async function gatewayWith(config: Record<string, unknown>, upstreamUrl = upstream.url) {
  const g = await startTestGateway({ upstreamUrl, config: { ...bypassEverything, ...config } })
  started.push(g)
  return g
}

interface RawResponse {
  status: number
  /** The header list as the client received it, duplicates kept. */
  rawHeaders: string[]
  text: string
}

/**
 * One request over node:http with an exact header list (fetch refuses Connection, Keep-Alive, TE and
 * rewrites dot-segments). `chunks` are written one by one without a Content-Length: a chunked body.
 */
function send(
  origin: string,
  path: string,
  options: { method?: string; headers?: string[]; chunks?: Buffer[] } = {},
): Promise<RawResponse> {
  const { host, hostname, port } = new URL(origin)
  const headers = options.headers ?? []
  const hasHost = headerValues(headers, 'host').length > 0
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: hostname,
        port,
        method: options.method ?? 'GET',
        path,
        agent,
        headers: hasHost ? headers : ['Host', host, ...headers],
      },
      (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (part: string) => {
          text += part
        })
        response.once('end', () =>
          resolve({ status: response.statusCode ?? 0, rawHeaders: response.rawHeaders, text }),
        )
      },
    )
    outgoing.once('error', reject)
    for (const chunk of options.chunks ?? []) outgoing.write(chunk)
    outgoing.end()
  })
}

/** Writes raw bytes on one connection; resolves with everything received until the connection closes. */
function exchange(origin: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(origin)
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) })
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (part: string) => {
      text += part
    })
    // A reset connection is an answer too: what arrived before it is what the test asserts on.
    socket.on('error', () => {})
    socket.once('close', () => resolve(text))
    socket.write(bytes)
  })
}

/** Every value sent under `name` (case-insensitive), in order. */
function headerValues(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === name) values.push(rawHeaders[i + 1] as string)
  }
  return values
}

function headerNames(rawHeaders: readonly string[]): string[] {
  return rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase())
}

/** The one request the upstream received for `target`. */
function received(target: string): RecordedRequest {
  const matching = upstream.requests.filter((r) => r.target === target)
  expect(matching, `requests upstream for ${target}`).toHaveLength(1)
  return matching[0] as RecordedRequest
}

describe('request headers the panel receives', () => {
  it('drops hop-by-hop headers and every header a Connection header names', async () => {
    const response = await send(gateway.url, '/echo/hop', {
      method: 'POST',
      chunks: [Buffer.from('body')],
      headers: [
        'Connection',
        'keep-alive, x-private',
        'Connection',
        'x-second-private',
        'Keep-Alive',
        'timeout=99',
        'Proxy-Connection',
        'keep-alive',
        'Proxy-Authorization',
        'Basic c2VjcmV0OnNlY3JldA==',
        'TE',
        'trailers',
        'Trailer',
        'X-Checksum',
        'X-Private',
        'hop only',
        'X-Second-Private',
        'hop only',
        'X-Kept',
        'end to end',
      ],
    })
    expect(response.status).toBe(200)
    const names = headerNames(received('/echo/hop').rawHeaders)
    for (const dropped of [
      'keep-alive',
      'proxy-connection',
      'proxy-authorization',
      'te',
      'trailer',
      'x-private',
      'x-second-private',
    ]) {
      expect(names).not.toContain(dropped)
    }
    const raw = received('/echo/hop').rawHeaders
    expect(headerValues(raw, 'x-kept')).toEqual(['end to end'])
    // The only Connection header is the one tapgate's own keep-alive agent sends.
    expect(headerValues(raw, 'connection')).toEqual(['keep-alive'])
  })

  it('sends the peer alone as X-Forwarded-For and replaces every forwarding header from an untrusted peer', async () => {
    await send(gateway.url, '/echo/untrusted', {
      headers: [
        'Host',
        'evil.example',
        'X-Forwarded-For',
        '203.0.113.7',
        'X_Forwarded_For',
        '203.0.113.8',
        'X-Real-IP',
        '203.0.113.9',
        'Forwarded',
        'for=203.0.113.10;proto=https',
        'X-Forwarded-Proto',
        'https',
        'X-Forwarded-Host',
        'evil.example',
      ],
    })
    const raw = received('/echo/untrusted').rawHeaders
    expect(headerValues(raw, 'x-forwarded-for')).toEqual(['127.0.0.1'])
    expect(headerValues(raw, 'x-real-ip')).toEqual(['127.0.0.1'])
    expect(headerValues(raw, 'x-forwarded-proto')).toEqual(['http'])
    // Neither the client's X-Forwarded-Host nor its Host: public_url's host.
    expect(headerValues(raw, 'x-forwarded-host')).toEqual([new URL(gateway.publicOrigin).host])
    expect(headerValues(raw, 'forwarded')).toEqual([])
    expect(headerNames(raw).filter((name) => name.includes('_'))).toEqual([])
  })

  it('appends the peer to a trusted proxy’s chain and takes the client address from that chain', async () => {
    const officeRules = [
      { prefix: '/echo/office-only', networks: ['198.51.100.0/24'], policy: 'bypass' },
      { prefix: '/echo/office-only', policy: 'deny' },
      { prefix: '/', policy: 'bypass' },
    ]
    const headers = [
      'Accept',
      'application/json',
      'X-Forwarded-For',
      '192.0.2.1, 198.51.100.23',
      'X-Forwarded-Proto',
      'https',
      'X-Forwarded-Host',
      'panel.example.com',
    ]
    const trusting = await gatewayWith({ trusted_proxies: ['127.0.0.1/32'], rules: officeRules })
    const response = await send(trusting.url, '/echo/office-only', { headers })
    expect(response.status).toBe(200)
    const raw = received('/echo/office-only').rawHeaders
    expect(headerValues(raw, 'x-forwarded-for')).toEqual(['192.0.2.1, 198.51.100.23, 127.0.0.1'])
    expect(headerValues(raw, 'x-real-ip')).toEqual(['198.51.100.23'])
    expect(headerValues(raw, 'x-forwarded-proto')).toEqual(['https'])
    expect(headerValues(raw, 'x-forwarded-host')).toEqual(['panel.example.com'])

    // The same chain from a peer that is not trusted proves nothing: the client is the peer, 127.0.0.1.
    const untrusting = await gatewayWith({ rules: officeRules })
    expect((await send(untrusting.url, '/echo/office-only', { headers })).status).toBe(403)
    expect(upstream.requests).toHaveLength(1)
  })

  it('strips client-supplied identity headers in every spelling', async () => {
    const identity = [
      'Remote-User',
      'remote_user',
      'REMOTE-USER',
      'Remote-Name',
      'Remote-Email',
      'Remote-Groups',
      'X-Remote-User',
      'X-Forwarded-User',
      'X_Forwarded_User',
      'X-Forwarded-Email',
      'X-Forwarded-Groups',
      'X-Auth-Request-User',
      'X-Auth-Request-Email',
    ]
    await send(gateway.url, '/echo/identity', {
      headers: [...identity.flatMap((name) => [name, 'admin']), 'X-Kept', 'yes'],
    })
    const raw = received('/echo/identity').rawHeaders
    const folded = headerNames(raw).map((name) => name.replaceAll('_', '-'))
    for (const name of identity) expect(folded).not.toContain(name.toLowerCase().replaceAll('_', '-'))
    expect(headerValues(raw, 'x-kept')).toEqual(['yes'])
  })

  it('removes tapgate’s cookie and any panel session cookie the client sends, and keeps the panel’s other cookies', async () => {
    const token = 'A'.repeat(43)
    await send(gateway.url, '/echo/cookies', {
      headers: ['Cookie', `PANELSESSID=abc; tapgate_session=${token}; pref=dark`],
    })
    expect(headerValues(received('/echo/cookies').rawHeaders, 'cookie')).toEqual(['pref=dark'])

    await send(gateway.url, '/echo/only-ours', { headers: ['Cookie', `tapgate_session=${token}`] })
    expect(headerValues(received('/echo/only-ours').rawHeaders, 'cookie')).toEqual([])
  })

  it('sends the upstream’s host as Host by default, and the client’s with upstream.preserve_host', async () => {
    await send(gateway.url, '/echo/host', { headers: ['Host', 'panel.example.com'] })
    const rewritten = received('/echo/host').rawHeaders
    expect(headerValues(rewritten, 'host')).toEqual([new URL(upstream.url).host])
    expect(headerValues(rewritten, 'x-forwarded-host')).toEqual([new URL(gateway.publicOrigin).host])

    const preserving = await gatewayWith({ upstream: { url: upstream.url, preserve_host: true } })
    await send(preserving.url, '/echo/preserved', { headers: ['Host', 'panel.example.com'] })
    expect(headerValues(received('/echo/preserved').rawHeaders, 'host')).toEqual(['panel.example.com'])
  })

  it('drops Expect: 100-continue, which the gateway has answered itself, and the body still reaches the panel', async () => {
    const body = Buffer.alloc(70_000, 7)
    const { hostname, port } = new URL(gateway.url)
    const answer = await new Promise<{ continued: boolean; status: number; text: string }>(
      (resolve, reject) => {
        let continued = false
        const outgoing = request(
          {
            host: hostname,
            port,
            method: 'POST',
            path: '/echo/expect',
            agent: false,
            headers: { expect: '100-continue', 'content-length': String(body.length) },
          },
          (response) => {
            let text = ''
            response.setEncoding('utf8')
            response.on('data', (part: string) => {
              text += part
            })
            response.once('end', () => resolve({ continued, status: response.statusCode ?? 0, text }))
          },
        )
        outgoing.once('error', reject)
        // The body goes only once the gateway said 100 Continue, as a client that asked for it waits.
        outgoing.once('continue', () => {
          continued = true
          outgoing.end(body)
        })
      },
    )
    expect(answer.continued).toBe(true)
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.text)).toMatchObject({ method: 'POST', bodyBytes: body.length })
    const seen = received('/echo/expect')
    expect(headerNames(seen.rawHeaders)).not.toContain('expect')
    expect(headerValues(seen.rawHeaders, 'content-length')).toEqual([String(body.length)])
    expect(seen.bodyBytes).toBe(body.length)
  })
})

describe('what else passes through', () => {
  it('forwards exactly the normalised path, with the query string untouched', async () => {
    const query = '?x=%2F..&y=1+2&z=%zz&&w=a/../b'
    const response = await send(gateway.url, `/echo/a/./b/../c//%7Euser/%3a${query}`)
    expect(response.status).toBe(200)
    expect(upstream.requests.map((r) => r.target)).toEqual([`/echo/a/c/~user/%3A${query}`])
  })

  it('passes every Set-Cookie but the panel’s session cookie through, duplicate names included, in order', async () => {
    const response = await fetch(`${gateway.url}/cookies`)
    expect(response.status).toBe(200)
    expect(response.headers.getSetCookie()).toEqual(
      upstreamCookies.filter((cookie) => !cookie.startsWith('PANELSESSID=')),
    )
  })

  it('passes a redirect through with its Location untouched', async () => {
    const response = await fetch(`${gateway.url}/redirect`, { redirect: 'manual' })
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('http://other.example/x')
  })

  it('drops hop-by-hop response headers and every header the panel’s Connection headers name', async () => {
    const response = await send(gateway.url, '/hop')
    expect(response.status).toBe(200)
    expect(response.text).toBe('hop')
    const names = headerNames(response.rawHeaders)
    expect(names).not.toContain('x-private')
    expect(names).not.toContain('x-other-private')
    expect(headerValues(response.rawHeaders, 'x-public')).toEqual(['for the client'])
    // Node's server writes its own Connection/Keep-Alive for the client's hop; the panel's are gone.
    expect(headerValues(response.rawHeaders, 'keep-alive')).not.toContain('timeout=99, max=7')
    expect(headerValues(response.rawHeaders, 'connection')).toEqual(['keep-alive'])
  })

  it('relays HEAD requests: status and headers, no body, and the connection stays open', async () => {
    const host = new URL(gateway.url).host
    const head = (path: string, connection: string) =>
      `HEAD ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: ${connection}\r\n\r\n`
    // Pipelined on one connection: the second answer only comes if the first left the connection usable.
    const text = await exchange(
      gateway.url,
      head('/echo/head-1', 'keep-alive') + head('/echo/head-2', 'close'),
    )
    const answers = text.split('\r\n\r\n').filter(Boolean)
    expect(answers).toHaveLength(2)
    for (const answer of answers) {
      expect(answer).toMatch(/^HTTP\/1\.1 200 /)
      expect(answer).toMatch(/\r\ncontent-type: application\/json\r\n/i)
    }
    expect(upstream.requests.map((r) => `${r.method} ${r.target}`)).toEqual([
      'HEAD /echo/head-1',
      'HEAD /echo/head-2',
    ])
  })

  it('streams a chunked POST body to the panel', async () => {
    const chunks = [Buffer.alloc(1_000, 1), Buffer.alloc(70_000, 2), Buffer.alloc(5, 3)]
    const response = await send(gateway.url, '/upload', { method: 'POST', chunks })
    expect(response.status).toBe(200)
    expect(JSON.parse(response.text)).toEqual({ bytes: 71_005 })
    const seen = received('/upload')
    expect(seen.method).toBe('POST')
    expect(seen.headers['transfer-encoding']).toBe('chunked')
    expect(seen.bodyBytes).toBe(71_005)
  })
})

describe('when the panel or the client fails', () => {
  it('answers 502 when the panel cannot be reached: a page for browsers, JSON for the rest', async () => {
    const down = await gatewayWith({}, `http://127.0.0.1:${await freePort()}`)
    const page = await fetch(`${down.url}/anything`, { headers: { accept: 'text/html' } })
    expect(page.status).toBe(502)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await page.text()).toContain('The control panel is not responding')

    const api = await fetch(`${down.url}/anything`, { headers: { accept: 'application/json' } })
    expect(api.status).toBe(502)
    expect(await api.json()).toMatchObject({ error: 'upstream_unreachable' })
  })

  it('answers 504 when the panel does not answer within upstream.timeout, and gives up the request', async () => {
    const impatient = await gatewayWith({ upstream: { url: upstream.url, timeout: '300ms' } })
    const response = await fetch(`${impatient.url}/slow`, { headers: { accept: 'application/json' } })
    expect(response.status).toBe(504)
    expect(await response.json()).toMatchObject({ error: 'upstream_timeout' })
    expect(await received('/slow').outcome).toBe('aborted')
  })

  it('stops reading from the panel when the client hangs up mid-download, and serves the next request', async () => {
    const total = 64 * 1024 * 1024
    await new Promise<void>((resolve, reject) => {
      const outgoing = request(`${gateway.url}/download?bytes=${total}`, { agent: false }, (response) => {
        response.once('data', () => {
          outgoing.destroy()
          resolve()
        })
      })
      outgoing.once('error', (error) => {
        if (!outgoing.destroyed) reject(error)
      })
      outgoing.end()
    })
    expect(await received(`/download?bytes=${total}`).outcome).toBe('aborted')

    const next = await send(gateway.url, '/echo/after')
    expect(next.status).toBe(200)
    expect(gateway.logs.filter((line) => line.level >= 50)).toEqual([])
  })

  it('abandons the panel request when the client hangs up mid-upload, and serves the next request', async () => {
    const announced = 10 * 1024 * 1024
    const outgoing = request(`${gateway.url}/upload`, {
      method: 'POST',
      agent: false,
      headers: { 'content-length': String(announced) },
    })
    outgoing.on('error', () => {})
    outgoing.write(Buffer.alloc(256 * 1024))
    // Hang up once the panel has seen part of the body.
    const deadline = Date.now() + 5_000
    while (!(upstream.requests[0]?.bodyBytes ?? 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(upstream.requests[0]?.bodyBytes).toBeGreaterThan(0)
    outgoing.destroy()
    expect(await received('/upload').outcome).toBe('aborted')
    expect(received('/upload').bodyBytes).toBeLessThan(announced)

    const next = await send(gateway.url, '/echo/after')
    expect(next.status).toBe(200)
    expect(gateway.logs.filter((line) => line.level >= 50)).toEqual([])
  })
})

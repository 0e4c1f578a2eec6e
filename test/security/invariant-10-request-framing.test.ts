import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { rawExchange } from '../support/raw-http.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts'

/**
 * DESIGN invariant 10, for the request's framing: a request that tapgate and the panel could split
 * or read differently (request smuggling, RFC 9112 §6.3) is refused with 400 before anything reaches
 * the panel, and its connection is closed, so nothing written after it on that connection is read as
 * a request of its own. Sent byte for byte on raw sockets: node:http and fetch refuse to send these.
 * Some are refused by Node's own parser, some only by tapgate; the tests do not care which.
 */
let upstream: RecordingUpstream
let gateway: TestGateway

beforeAll(async () => {
  upstream = await startRecordingUpstream()
  gateway = await startTestGateway({
    upstreamUrl: upstream.url,
    config: { rules: [{ prefix: '/', policy: 'bypass' }] },
  })
})
afterAll(async () => {
  await gateway.close()
  await upstream.close()
})
beforeEach(() => {
  upstream.requests.length = 0
})

/** A request head with one Host unless `lines` name their own, and a body. */
function request(head: string, lines: string[], body = ''): string {
  const hasHost = lines.some((line) => /^host\s*:/i.test(line))
  return `${[head, ...(hasHost ? [] : ['Host: panel.example.com']), ...lines].join('\r\n')}\r\n\r\n${body}`
}

/** A second request written right behind the first on the same connection: the smuggled one. */
const smuggled = 'GET /echo/smuggled HTTP/1.1\r\nHost: panel\r\n\r\n'
const chunkedBody = `3\r\nabc\r\n0\r\n\r\n${smuggled}`

describe('requests whose framing could be read two ways', () => {
  it.each([
    ['two Host headers', request('GET /echo/x HTTP/1.1', ['Host: panel.example.com', 'Host: evil.example'])],
    ['two Host headers, differently spelled', request('GET /echo/x HTTP/1.1', ['Host: a', 'host: b'])],
    [
      'Transfer-Encoding: gzip, chunked',
      request('POST /echo/x HTTP/1.1', ['Transfer-Encoding: gzip, chunked'], chunkedBody),
    ],
    [
      'Transfer-Encoding gzip, then chunked, as two headers',
      request(
        'POST /echo/x HTTP/1.1',
        ['Transfer-Encoding: gzip', 'Transfer-Encoding: chunked'],
        chunkedBody,
      ),
    ],
    [
      'an empty Transfer-Encoding beside Content-Length',
      request('POST /echo/x HTTP/1.1', ['Transfer-Encoding:', 'Content-Length: 3'], `abc${smuggled}`),
    ],
    [
      'Transfer-Encoding on HTTP/1.0',
      request('POST /echo/x HTTP/1.0', ['Transfer-Encoding: chunked'], chunkedBody),
    ],
    [
      'Content-Length beside Transfer-Encoding',
      request('POST /echo/x HTTP/1.1', ['Content-Length: 3', 'Transfer-Encoding: chunked'], chunkedBody),
    ],
    [
      'two Content-Lengths',
      request('POST /echo/x HTTP/1.1', ['Content-Length: 3', 'Content-Length: 40'], `abc${smuggled}`),
    ],
    [
      'chunked, then another coding',
      request('POST /echo/x HTTP/1.1', ['Transfer-Encoding: chunked, identity'], chunkedBody),
    ],
    [
      'a folded Transfer-Encoding line',
      request('POST /echo/x HTTP/1.1', ['Transfer-Encoding:', ' chunked'], chunkedBody),
    ],
    [
      'a space before the colon',
      request('POST /echo/x HTTP/1.1', ['Transfer-Encoding : chunked'], chunkedBody),
    ],
    [
      'an Upgrade request with two Host headers',
      request('GET /echo/ws HTTP/1.1', [
        'Host: a',
        'Host: b',
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      ]),
    ],
  ])('%s: 400, nothing reaches the panel, the connection is closed', async (_, bytes) => {
    const response = await rawExchange(gateway.url, bytes)
    expect(response.status).toBe(400)
    // Only one answer came back: the smuggled request was never read.
    expect(response.body).not.toContain('HTTP/1.1')
    expect(upstream.requests.map((r) => r.target)).toEqual([])
  })

  it('logs what was refused', async () => {
    await rawExchange(gateway.url, request('GET /echo/x HTTP/1.1', ['Host: a', 'Host: b']))
    expect(gateway.logs).toContainEqual(
      expect.objectContaining({ event: 'request_refused', reason: 'duplicate_host' }),
    )
  })
})

describe('what stays as it was', () => {
  it('passes a chunked body, however `chunked` is spelled, to the panel', async () => {
    for (const coding of ['chunked', 'Chunked']) {
      const response = await rawExchange(
        gateway.url,
        request(
          'POST /echo/chunked HTTP/1.1',
          [`Transfer-Encoding: ${coding}`, 'Connection: close'],
          '3\r\nabc\r\n0\r\n\r\n',
        ),
      )
      expect(response.status).toBe(200)
    }
    expect(upstream.requests.map((r) => [r.target, r.bodyBytes])).toEqual([
      ['/echo/chunked', 3],
      ['/echo/chunked', 3],
    ])
  })

  it('never passes on the client’s TE, whatever it names', async () => {
    const response = await rawExchange(
      gateway.url,
      request('GET /echo/te HTTP/1.1', ['TE: gzip, chunked', 'Connection: TE, close']),
    )
    expect(response.status).toBe(200)
    const [received] = upstream.requests
    expect(received?.headers).not.toHaveProperty('te')
  })
})

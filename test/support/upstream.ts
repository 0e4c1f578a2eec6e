import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'

export interface RecordedRequest {
  method: string
  /** The request-target exactly as it arrived (`req.url`). */
  target: string
  /** The header list as it arrived: names in their sent casing, duplicates kept (`req.rawHeaders`). */
  rawHeaders: string[]
  /** Node's parsed view: lower-case names, duplicates joined (`req.headers`). */
  headers: IncomingMessage['headers']
  /** Body bytes received so far; counted as they stream in, never kept. */
  bodyBytes: number
  /** 'complete' once the answer was fully written, 'aborted' if the connection closed first. */
  outcome: Promise<'complete' | 'aborted'>
}

export interface RecordingUpstream {
  url: string
  requests: RecordedRequest[]
  /** Ends every connection, including the ones /slow holds open, and stops listening. */
  close(): Promise<void>
}

export const chunkSize = 64 * 1024

/** The cookies /cookies sets, in order; `pref` twice, on different paths. */
export const upstreamCookies = [
  'PANELSESSID=abc123; Path=/; HttpOnly',
  'pref=dark; Path=/',
  'pref=light; Path=/admin',
]

/**
 * A real panel stand-in that records what reached it:
 * - `/echo…`: 200 JSON `{ method, target, headers, rawHeaders, bodyBytes }` once the body is read
 * - `/cookies`: three Set-Cookie headers, one name twice on different paths
 * - `/redirect`: 302 to `http://other.example/x`
 * - `/upload[?rate=B]`: counts the streamed body (read at B bytes/s at most) and answers `{ bytes }`
 * - `/download?bytes=N`: N bytes in 64 KiB chunks, waiting for 'drain' whenever the socket is full
 * - `/slow`: never answers
 * - `/hop`: a response carrying hop-by-hop headers a proxy must drop
 */
export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const requests: RecordedRequest[] = []
  const server = createServer((req, res) => {
    const record: RecordedRequest = {
      method: req.method ?? '',
      target: req.url ?? '',
      rawHeaders: req.rawHeaders,
      headers: req.headers,
      bodyBytes: 0,
      outcome: new Promise((resolve) => {
        res.on('close', () => resolve(res.writableFinished ? 'complete' : 'aborted'))
      }),
    }
    requests.push(record)
    req.on('data', (chunk: Buffer) => {
      record.bodyBytes += chunk.length
    })
    const url = new URL(req.url ?? '', 'http://upstream')
    const path = url.pathname
    const rate = Number(url.searchParams.get('rate'))
    if (path === '/upload' && rate > 0) limitRate(req, rate)
    if (path === '/slow') return
    if (path === '/download') return void download(Number(url.searchParams.get('bytes')), res)
    req.on('end', () => answer(path, record, res))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}

function answer(path: string, record: RecordedRequest, res: ServerResponse) {
  if (path.startsWith('/echo')) {
    const { method, target, headers, rawHeaders, bodyBytes } = record
    return json(res, { method, target, headers, rawHeaders, bodyBytes })
  }
  if (path === '/upload') return json(res, { bytes: record.bodyBytes })
  if (path === '/cookies') {
    res.setHeader('Set-Cookie', upstreamCookies)
    return res.end('cookies set')
  }
  if (path === '/redirect') {
    res.writeHead(302, { Location: 'http://other.example/x' })
    return res.end()
  }
  if (path === '/hop') {
    // Raw list form: two Connection headers, each naming headers that belong to this hop only.
    res.writeHead(200, [
      'Connection',
      'x-private',
      'X-Private',
      'for the proxy only',
      'Keep-Alive',
      'timeout=99, max=7',
      'Connection',
      'close, x-other-private',
      'X-Other-Private',
      'also for the proxy only',
      'X-Public',
      'for the client',
    ])
    return res.end('hop')
  }
  res.writeHead(404)
  res.end()
}

function json(res: ServerResponse, value: unknown) {
  res.writeHead(200, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify(value))
}

/** Streams the requested number of bytes, never more than one chunk ahead of what the socket takes. */
async function download(total: number, res: ServerResponse) {
  const chunk = Buffer.alloc(chunkSize, 0x61)
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(total) })
  let sent = 0
  while (sent < total && !res.destroyed) {
    const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent)
    sent += piece.length
    if (!res.write(piece)) await drainedOrClosed(res)
  }
  if (!res.destroyed) res.end()
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

/**
 * Reads `stream` no faster than `bytesPerSecond`, pausing it whenever it is ahead: a slow reader, so a
 * backpressure test has a writer that is faster than its reader.
 */
export function limitRate(stream: Readable, bytesPerSecond: number): void {
  const start = performance.now()
  let bytes = 0
  stream.on('data', (chunk: Buffer) => {
    bytes += chunk.length
    const aheadMs = (bytes / bytesPerSecond) * 1000 - (performance.now() - start)
    if (aheadMs > 0) {
      stream.pause()
      setTimeout(() => stream.resume(), aheadMs)
    }
  })
}

/** A request body of `total` bytes, made one chunk at a time as the socket asks for it: never held whole. */
export function generatedBody(total: number): Readable {
  const chunk = Buffer.alloc(chunkSize, 0x7a)
  let left = total
  return new Readable({
    read() {
      if (left === 0) return void this.push(null)
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left)
      left -= piece.length
      this.push(piece)
    },
  })
}

import { once } from 'node:events'
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'

/**
 * Issue 6: event streams and long polls are never cut by a timeout. upstream.timeout
 * (here 400 ms) covers only the wait for the panel's response headers; node's own defaults
 * (keepAliveTimeout 5 s among them) must not apply to a response in progress either.
 */
const timeoutMs = 400

/** The panel's end of an event stream: it sends each next event on its own clock, when asked to. */
interface PanelEventStream {
  sendNextAfter(ms: number): void
  end(): void
}

const openStreams = new Set<ServerResponse>()
let streamOpened: ((source: PanelEventStream) => void) | undefined
let panel: Server
let gateway: TestGateway

beforeAll(async () => {
  panel = createServer((req, res) => {
    if (req.url === '/api/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' })
      res.write('data: 0\n\n')
      openStreams.add(res)
      let sent = 0
      let timer: NodeJS.Timeout | undefined
      res.on('close', () => {
        clearTimeout(timer)
        openStreams.delete(res)
      })
      streamOpened?.({
        sendNextAfter(ms) {
          timer = setTimeout(() => res.write(`data: ${++sent}\n\n`), ms)
        },
        end: () => res.end('data: bye\n\n'),
      })
      return
    }
    if (req.url === '/api/poll') {
      // A long poll: the headers come shortly before the gateway's timeout, the answer long after it.
      const timers = [
        setTimeout(() => res.flushHeaders(), timeoutMs / 2),
        setTimeout(() => res.end('{"news":true}'), timeoutMs / 2 + timeoutMs * 2),
      ]
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.on('close', () => timers.forEach(clearTimeout))
      return
    }
    res.writeHead(404).end()
  })
  panel.listen(0, '127.0.0.1')
  await once(panel, 'listening')
  const panelUrl = `http://127.0.0.1:${(panel.address() as AddressInfo).port}`
  gateway = await startTestGateway({
    upstreamUrl: panelUrl,
    config: { upstream: { url: panelUrl, timeout: `${timeoutMs}ms` } },
  })
})
afterEach(() => {
  for (const res of openStreams) res.destroy()
})
afterAll(async () => {
  await gateway.close()
  panel.closeAllConnections()
  panel.close()
})

/** Reads Server-Sent Events off a response, one `data:` line per call; fails once the stream is gone. */
function eventReader(response: IncomingMessage) {
  response.setEncoding('utf8')
  let buffered = ''
  let waiting: { resolve(data: string): void; reject(error: Error): void } | undefined
  const ready: string[] = []
  let closed = false
  response.on('data', (text: string) => {
    buffered += text
    for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
      ready.push(buffered.slice(0, end).replace(/^data: /, ''))
      buffered = buffered.slice(end + 2)
    }
    const next = waiting
    if (next && ready.length > 0) {
      waiting = undefined
      next.resolve(ready.shift() as string)
    }
  })
  response.on('close', () => {
    closed = true
    waiting?.reject(new Error('the event stream was cut'))
  })
  return {
    next(): Promise<string> {
      const data = ready.shift()
      if (data !== undefined) return Promise.resolve(data)
      if (closed) return Promise.reject(new Error('the event stream was cut'))
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject }
      })
    },
  }
}

describe('long-lived responses through tapgate', () => {
  it('keep an event stream open while events keep coming, each gap longer than upstream.timeout', async () => {
    const opened = new Promise<PanelEventStream>((resolve) => {
      streamOpened = resolve
    })
    const [response] = (await once(get(`${gateway.url}/api/events`), 'response')) as [IncomingMessage]
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('text/event-stream')
    const source = await opened
    const events = eventReader(response)
    expect(await events.next()).toBe('0')

    // 7 gaps of twice the timeout, about 5.6 s in all: past node's 5 s keepAliveTimeout as well.
    for (let n = 1; n <= 7; n++) {
      source.sendNextAfter(timeoutMs * 2)
      expect(await events.next()).toBe(String(n))
    }
    const ended = once(response, 'end')
    source.end()
    expect(await events.next()).toBe('bye')
    await ended
  })

  it('serve a long poll whose headers come just before upstream.timeout and whose body long after', async () => {
    const [response] = (await once(get(`${gateway.url}/api/poll`), 'response')) as [IncomingMessage]
    expect(response.statusCode).toBe(200)
    let body = ''
    response.setEncoding('utf8')
    response.on('data', (part: string) => {
      body += part
    })
    await once(response, 'end')
    expect(body).toBe('{"news":true}')
    expect(response.complete).toBe(true)
  })
})

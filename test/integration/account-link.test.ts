import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'

/**
 * Issue 16, "A way to the account page from the panel": with `ui.account_link: inject`, a verified
 * user's page visits get a "Sign-in security" link after the `<body>` tag, streamed; everything else
 * (other content, bypass paths, compressed pages, strict policies, and every answer when it is off)
 * reaches the browser byte for byte as the panel sent it.
 */

const link =
  '<link rel="stylesheet" href="/_tapgate/assets/account-link.css">' +
  '<a class="tapgate-account-link" href="/_tapgate/account">Sign-in security</a>'
const head = '<!doctype html><html><head><title>Panel</title></head><body class="panel">'
const page = Buffer.from(`${head}<h1>Dashboard</h1></body></html>`)
const linkedPage = `${head}${link}<h1>Dashboard</h1></body></html>`
const json = Buffer.from('{"body":"<body>"}')
/** A large download that happens to hold `<body>`: it is never read. */
const blob = Buffer.alloc(1024 * 1024, '<body>\u0000\u00ff')
const gzippedPage = gzipSync(page)

/** The page visit a browser makes: what its navigation sends. */
const pageVisit = {
  Accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
  'Accept-Encoding': 'gzip, deflate, br',
  'Sec-Fetch-Dest': 'document',
}

let panel: Server
/** The headers each path last reached the panel with. */
const received = new Map<string, IncomingHttpHeaders>()
/** Ends the page /stream left open. */
let finishStream: (() => void) | undefined
let linking: TestGateway
let plain: TestGateway

beforeAll(async () => {
  panel = createServer((req, res) => {
    const path = req.url ?? ''
    received.set(path, req.headers)
    /** A whole answer, with its length, as most panels send a page. */
    const answer = (status: number, headers: Record<string, string>, body: Buffer) =>
      void res.writeHead(status, { ...headers, 'Content-Length': String(body.length) }).end(body)
    const html = { 'Content-Type': 'text/html; charset=utf-8', 'X-Panel': 'kept' }
    if (path === '/page' || path === '/api/page') return answer(200, html, page)
    if (path === '/missing') return answer(404, html, page)
    if (path === '/strict') {
      return answer(200, { ...html, 'Content-Security-Policy': "default-src 'none'; img-src 'self'" }, page)
    }
    if (path === '/self') {
      return answer(
        200,
        { ...html, 'Content-Security-Policy': "default-src 'self'; script-src 'none'" },
        page,
      )
    }
    if (path === '/gzip') return answer(200, { ...html, 'Content-Encoding': 'gzip' }, gzippedPage)
    if (path === '/data.json') return answer(200, { 'Content-Type': 'application/json' }, json)
    if (path === '/blob') return answer(200, { 'Content-Type': 'application/octet-stream' }, blob)
    if (path === '/stream') {
      res.writeHead(200, { 'Content-Type': 'text/html' })
      res.write('<html><body>first')
      finishStream = () => res.end('rest</body></html>')
      return
    }
    res.writeHead(404).end()
  })
  panel.listen(0, '127.0.0.1')
  await once(panel, 'listening')
  const upstreamUrl = `http://127.0.0.1:${(panel.address() as AddressInfo).port}`
  ;[linking, plain] = await Promise.all([
    startTestGateway({ upstreamUrl, config: { ui: { account_link: 'inject' } } }),
    startTestGateway({ upstreamUrl }),
  ])
})
afterAll(async () => {
  await Promise.all([linking.close(), plain.close()])
  panel.closeAllConnections()
  panel.close()
})

interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

/** The Cookie header of a user who passed the second factor on `gateway`. */
async function verifiedCookie(gateway: TestGateway): Promise<string> {
  const token = await gateway.services.sessions.create({ user: 'alice', level: 'two_factor' })
  return `${gateway.services.cookie.name}=${token}`
}

/** One request over node:http, which leaves a compressed body as it came. */
function send(
  gateway: TestGateway,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    request(`${gateway.url}${path}`, { method, headers }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.once('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      )
    })
      .once('error', reject)
      .end()
  })
}

/** Expects the panel's answer as it sent it: same bytes, same length. */
function expectUntouched(answer: Answer, sent: Buffer) {
  expect(answer.body.equals(sent)).toBe(true)
  expect(answer.headers['content-length']).toBe(String(sent.length))
}

describe('ui.account_link', () => {
  it('is off by default: a verified user’s page is relayed byte for byte, compressed if asked', async () => {
    const cookie = await verifiedCookie(plain)
    const answer = await send(plain, '/page', { ...pageVisit, Cookie: cookie })
    expect(answer.status).toBe(200)
    expectUntouched(answer, page)
    expect(received.get('/page')?.['accept-encoding']).toBe('gzip, deflate, br')
  })

  it('adds the link after the body tag of a verified user’s page, which goes chunked', async () => {
    const cookie = await verifiedCookie(linking)
    const answer = await send(linking, '/page', { ...pageVisit, Cookie: cookie })
    expect(answer.status).toBe(200)
    expect(answer.body.toString()).toBe(linkedPage)
    expect(answer.headers['content-length']).toBeUndefined()
    expect(answer.headers['transfer-encoding']).toBe('chunked')
    expect(answer.headers['x-panel']).toBe('kept')
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8')
    // Asked for uncompressed: a compressed page could not take the link.
    expect(received.get('/page')?.['accept-encoding']).toBeUndefined()
  })

  it('serves the link’s stylesheet', async () => {
    const answer = await send(linking, '/_tapgate/assets/account-link.css', {})
    expect(answer.status).toBe(200)
    expect(answer.headers['content-type']).toBe('text/css; charset=utf-8')
    expect(answer.body.toString()).toContain('a.tapgate-account-link {')
  })

  it('adds the link under a policy that allows the page’s own stylesheets', async () => {
    const cookie = await verifiedCookie(linking)
    const answer = await send(linking, '/self', { ...pageVisit, Cookie: cookie })
    expect(answer.body.toString()).toBe(linkedPage)
  })

  it('leaves a page alone whose policy would block the link’s stylesheet', async () => {
    const cookie = await verifiedCookie(linking)
    expectUntouched(await send(linking, '/strict', { ...pageVisit, Cookie: cookie }), page)
  })

  it('leaves other content alone, even large, and keeps its length', async () => {
    const cookie = await verifiedCookie(linking)
    expectUntouched(await send(linking, '/data.json', { ...pageVisit, Cookie: cookie }), json)
    expectUntouched(await send(linking, '/blob', { ...pageVisit, Cookie: cookie }), blob)
  })

  it('leaves a page the panel compressed anyway as it is', async () => {
    const cookie = await verifiedCookie(linking)
    const answer = await send(linking, '/gzip', { ...pageVisit, Cookie: cookie })
    expectUntouched(answer, gzippedPage)
    expect(answer.headers['content-encoding']).toBe('gzip')
  })

  it('leaves alone a bypass path, an error page, a HEAD and a script’s fetch of a page', async () => {
    const cookie = await verifiedCookie(linking)
    expectUntouched(await send(linking, '/api/page', { ...pageVisit, Cookie: cookie }), page)
    expect(received.get('/api/page')?.['accept-encoding']).toBe('gzip, deflate, br')
    expectUntouched(await send(linking, '/missing', { ...pageVisit, Cookie: cookie }), page)
    const fetched = { ...pageVisit, 'Sec-Fetch-Dest': 'empty', Cookie: cookie }
    expectUntouched(await send(linking, '/page', fetched), page)
    expect(received.get('/page')?.['accept-encoding']).toBe('gzip, deflate, br')
    const headAnswer = await send(linking, '/page', { ...pageVisit, Cookie: cookie }, 'HEAD')
    expect(headAnswer.headers['content-length']).toBe(String(page.length))
  })

  it('streams the page: its start, with the link, arrives before the panel has finished it', async () => {
    const cookie = await verifiedCookie(linking)
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      request(`${linking.url}/stream`, { headers: { ...pageVisit, Cookie: cookie } }, resolve)
        .once('error', reject)
        .end()
    })
    let text = ''
    response.setEncoding('utf8')
    const started = new Promise<void>((resolve) => {
      response.on('data', (chunk: string) => {
        text += chunk
        if (text.includes('first')) resolve()
      })
    })
    const ended = once(response, 'end')
    await started
    expect(text).toBe(`<html><body>${link}first`)
    finishStream?.()
    await ended
    expect(text).toBe(`<html><body>${link}firstrest</body></html>`)
  })
})

import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll } from 'vitest'
import { startTestGateway, type TestGateway } from './gateway.ts'

/** What reached the panel: enough to prove which session and which username it was given. */
export interface PanelRequest {
  method: string
  target: string
  cookie: string | undefined
  body: string
}

export interface SessionPanel {
  url: string
  requests: PanelRequest[]
  /** The user each live session id belongs to. */
  sessions: Map<string, string>
  /** Every session id the panel ever issued, by user: what an attacker would want to get hold of. */
  issued: { sid: string; user: string }[]
  close(): Promise<void>
}

export const sessionPanelUsers: Readonly<Record<string, string>> = {
  alice: 'alice-password',
  bob: 'bob-password',
  carol: 'carol-password',
  dave: 'dave-password',
  admin: 'admin-password',
}

/** The session cookie this panel issues; name it in `first_factor.panel_cookies`. */
export const sessionCookieName = 'sid'

/**
 * A panel written to be as easy to get around as the real ones the issues name, so that tapgate's
 * defences are what stops each attack:
 * - any request, on any path and by any method, with `username` and `password` (body or query) is a
 *   login, as DokuWiki's is; of duplicate fields the last wins, as in PHP and Django;
 * - names are folded as wikis fold them: `_Admin_`, `User:Admin` and `ad\u200bmin` are `admin`;
 * - a good login answers 302 to the form's `next` (or /dashboard) with `sid`; a bad one 302 to /login?failed=1;
 * - `/whoami` names the session's user (JSON), `/dashboard` greets them, `/rotate` issues a new id for
 *   the same user, `/impersonate?user=X` (an admin feature) switches the session to X, `/anon` starts
 *   an anonymous session, `/logout` clears the cookie.
 */
export async function startSessionPanel(): Promise<SessionPanel> {
  const requests: PanelRequest[] = []
  const sessions = new Map<string, string>()
  const issued: { sid: string; user: string }[] = []
  const issue = (res: ServerResponse, user: string, status = 302, headers: Record<string, string> = {}) => {
    const sid = randomBytes(12).toString('hex')
    sessions.set(sid, user)
    issued.push({ sid, user })
    res.writeHead(status, { ...headers, 'Set-Cookie': `${sessionCookieName}=${sid}; Path=/; HttpOnly` })
  }

  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      body += chunk
    })
    req.on('end', () => {
      requests.push({ method: req.method ?? '', target: req.url ?? '', cookie: req.headers.cookie, body })
      answer(req, res, body)
    })
  })

  function answer(req: IncomingMessage, res: ServerResponse, body: string) {
    const url = new URL(req.url ?? '/', 'http://panel.invalid')
    const fields = new URLSearchParams([...url.searchParams, ...new URLSearchParams(body)])
    const user = sessions.get(readCookie(req.headers.cookie) ?? '')
    const typed = fields.getAll('username').at(-1)
    if (typed !== undefined && fields.has('password')) {
      const name = foldLikeAWiki(typed)
      if (sessionPanelUsers[name] !== fields.getAll('password').at(-1)) {
        res.writeHead(302, { Location: '/login?failed=1' })
        return res.end()
      }
      issue(res, name, 302, { Location: fields.get('next') ?? '/dashboard' })
      return res.end()
    }
    switch (url.pathname) {
      case '/login':
        res.writeHead(200, { 'Content-Type': 'text/html', 'Set-Cookie': 'csrftoken=t0ken; Path=/' })
        return res.end('<form method="post"><input name="username"><input name="password"></form>')
      case '/anon':
        issue(res, '', 200)
        return res.end('anonymous')
      case '/logout':
        res.writeHead(302, { Location: '/login', 'Set-Cookie': `${sessionCookieName}=; Path=/; Max-Age=0` })
        return res.end()
    }
    if (url.pathname.startsWith('/api/') && user === undefined) return json(res, 401, { error: 'no session' })
    if (!user) {
      res.writeHead(302, { Location: '/login' })
      return res.end()
    }
    switch (url.pathname) {
      case '/whoami':
      case '/api/whoami':
        return json(res, 200, { user })
      case '/dashboard':
        res.writeHead(200, { 'Content-Type': 'text/html' })
        return res.end(`<h1>Welcome, <b>${user}</b></h1>`)
      case '/rotate':
        issue(res, user, 200, { 'Content-Type': 'application/json' })
        return res.end(JSON.stringify({ user }))
      case '/impersonate':
        issue(res, url.searchParams.get('user') ?? user, 200, { 'Content-Type': 'application/json' })
        return res.end('{}')
    }
    json(res, 404, { error: 'not found' })
  }

  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    sessions,
    issued,
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}

/** Zero-width and bidi marks, the Mongolian vowel separator, the soft hyphen, U+001C–U+001F. */
const invisible = new Set([
  ...[0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e],
  ...[0x180e, 0x00ad, 0x1c, 0x1d, 0x1e, 0x1f],
])

/** How wikis read a username: surrounding '_' and spaces, a 'User:' prefix and invisible marks ignored. */
export function foldLikeAWiki(name: string): string {
  return [...name]
    .filter((char) => !invisible.has(char.codePointAt(0) ?? 0))
    .join('')
    .replace(/^user:/i, '')
    .replace(/^[_\s]+|[_\s]+$/g, '')
    .toLowerCase()
}

function readCookie(header: string | undefined): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const [name, value] = pair.trim().split('=')
    if (name === sessionCookieName) return value
  }
  return undefined
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify(body))
}

export interface SessionPanelSuite {
  readonly panel: SessionPanel
  /** tapgate in front of the panel: its login at /login, `sid` held; `firstFactor` and `rules` add to that. */
  gateway(options?: { firstFactor?: Record<string, unknown>; rules?: unknown[] }): Promise<TestGateway>
}

/** A session panel for the test file, and the gateways a test puts in front of it, all closed after. */
export function sessionPanelSuite(): SessionPanelSuite {
  let panel: SessionPanel | undefined
  const gateways: TestGateway[] = []
  beforeAll(async () => {
    panel = await startSessionPanel()
  })
  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()))
    await panel?.close()
  })
  const started = () => {
    if (panel === undefined) throw new Error('the session panel starts in beforeAll')
    return panel
  }
  return {
    get panel() {
      return started()
    },
    async gateway({ firstFactor = {}, rules } = {}) {
      const gateway = await startTestGateway({
        upstreamUrl: started().url,
        config: {
          first_factor: {
            login_path: '/login',
            panel_cookies: [sessionCookieName],
            success: { status: [302], set_cookie: sessionCookieName },
            ...firstFactor,
          },
          ...(rules !== undefined && { rules }),
        },
      })
      gateways.push(gateway)
      return gateway
    },
  }
}

import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A small "legacy control panel" for the demo and the tests: its own login form and session cookie,
 * a dashboard, a logout, and an /api/ route guarded by its own API key. It knows nothing of tapgate.
 */
export const demoUsers: Readonly<Record<string, string>> = { demo: 'demo-password', alice: 'alice-password' }
export const demoApiKey = 'demo-api-key'
const cookieName = 'PANELSESSID'

export interface DemoPanel {
  url: string
  server: http.Server
  close(): Promise<void>
}

export function startDemoPanel(port = 0, host = '127.0.0.1'): Promise<DemoPanel> {
  const sessions = new Map<string, string>()
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://panel.invalid')
    const user = sessions.get(readCookie(req.headers.cookie, cookieName) ?? '')
    if (url.pathname === '/login' && req.method === 'POST') return login(req, res, sessions)
    if (url.pathname === '/login') return page(res, 200, 'Sign in', loginForm(url.searchParams.has('failed')))
    if (url.pathname === '/logout') {
      sessions.delete(readCookie(req.headers.cookie, cookieName) ?? '')
      res.writeHead(302, { Location: '/login', 'Set-Cookie': `${cookieName}=; Path=/; Max-Age=0` })
      return res.end()
    }
    if (url.pathname.startsWith('/api/')) {
      if (req.headers.authorization !== `Bearer ${demoApiKey}`)
        return json(res, 401, { error: 'bad api key' })
      return json(res, 200, { ok: true, path: url.pathname, server: 'demo-panel' })
    }
    if (!user) {
      res.writeHead(302, { Location: '/login' })
      return res.end()
    }
    if (url.pathname === '/' || url.pathname === '/dashboard')
      return page(res, 200, 'Dashboard', dashboard(user))
    return page(res, 404, 'Not found', '<p>No such page.</p>')
  })
  return new Promise((resolve) => {
    server.listen(port, host, () => {
      const { port: actual } = server.address() as AddressInfo
      resolve({
        url: `http://${host}:${actual}`,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          }),
      })
    })
  })
}

function login(req: http.IncomingMessage, res: http.ServerResponse, sessions: Map<string, string>) {
  let body = ''
  req.setEncoding('utf8')
  req.on('data', (chunk: string) => {
    body += chunk
  })
  req.on('end', () => {
    const form = new URLSearchParams(body)
    // Like many panels, usernames are not case-sensitive here.
    const username = (form.get('username') ?? '').trim().toLowerCase()
    if (demoUsers[username] === undefined || demoUsers[username] !== form.get('password')) {
      res.writeHead(302, { Location: '/login?failed=1' })
      return res.end()
    }
    const id = randomBytes(16).toString('hex')
    sessions.set(id, username)
    res.writeHead(302, {
      Location: '/dashboard',
      'Set-Cookie': `${cookieName}=${id}; Path=/; HttpOnly; SameSite=Lax`,
    })
    res.end()
  })
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const [key, value] = pair.trim().split('=')
    if (key === name) return value
  }
  return undefined
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify(body))
}

function page(res: http.ServerResponse, status: number, title: string, body: string) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' })
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} · DemoPanel</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:system-ui,sans-serif;background:#f3f4f6;margin:0">
<header style="background:#1e3a5f;color:#fff;padding:12px 24px;font-weight:600">DemoPanel hosting control panel</header>
<main style="max-width:640px;margin:32px auto;background:#fff;padding:24px 32px;border-radius:8px">${body}</main></body></html>`)
}

function loginForm(failed: boolean) {
  return `<h1>Sign in</h1>${failed ? '<p role="alert" style="color:#b91c1c">Invalid username or password.</p>' : ''}
<form method="post" action="/login">
<p><label>Username<br><input name="username" autocomplete="username" required></label></p>
<p><label>Password<br><input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">Sign in</button></p></form>`
}

function dashboard(user: string) {
  return `<h1>Welcome, ${user}</h1><p>Your hosting account is in good shape: 3 domains, 12 mailboxes, 2 databases.</p>
<p><a href="/logout">Log out</a></p>`
}

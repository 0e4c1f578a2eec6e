import { once } from 'node:events'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hash } from '@node-rs/argon2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { argon2Options } from '../../gateway/first-factor/local-users.ts'
import { createRedisStore } from '../../gateway/store/redis-store.ts'
import { BrowserClient, csrfTokenIn, formActionIn, totpSecretIn } from '../support/browser-client.ts'
import type { FixedClock } from '../support/clock.ts'
import type { ForegroundServer } from '../support/foreground-server.ts'
import {
  expectOnlyTapgateTold,
  forgedHeaderLines,
  type ShippedProxy,
  shippedProxies,
} from '../support/forward-auth-proxies.ts'
import { freePort } from '../support/free-port.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { rawRequest } from '../support/raw-http.ts'
import { type RedisServer, startRedis } from '../support/redis.ts'
import { totpCode } from '../support/totp-codes.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts'

/** A users file with alice (password `alice-password`), for tapgate's local sign-in. */
async function writeUsersFile(): Promise<string> {
  const usersFile = join(mkdtempSync(join(tmpdir(), 'tapgate-forward-auth-')), 'users.yaml')
  const password = await hash('alice-password', argon2Options)
  writeFileSync(usersFile, JSON.stringify({ users: { alice: { password, displayname: 'Alice A.' } } }))
  return usersFile
}

/** tapgate in forward-auth for `proxy`, served at `proxyPort`, in front of `panel`. */
async function startForwardAuthGateway(
  proxy: ShippedProxy,
  proxyPort: number,
  panel: RecordingUpstream,
  options: { store?: Parameters<typeof startTestGateway>[0]['store'] } = {},
): Promise<TestGateway> {
  return startTestGateway({
    upstreamUrl: panel.url,
    ...options,
    config: {
      public_url: `http://127.0.0.1:${proxyPort}`,
      trusted_proxies: ['127.0.0.1/32'],
      forward_auth: { proxy: proxy.kind },
      first_factor: { mode: 'local', users_file: await writeUsersFile() },
      rules: [
        { prefix: '/api/', policy: 'bypass' },
        { prefix: '/echo/public/', policy: 'bypass' },
        { prefix: '/echo/internal/', policy: 'deny' },
      ],
    },
  })
}

/** alice signs in through the proxy: password, then an authenticator app she enrolls. */
async function signInAsAlice(proxyUrl: string, clock: FixedClock): Promise<BrowserClient> {
  const browser = new BrowserClient(proxyUrl)
  const login = await (await browser.get('/_tapgate/login?rd=%2Fecho%2Fhome')).text()
  const signedIn = await browser.postForm('/_tapgate/login', {
    csrf: csrfTokenIn(login),
    rd: '/echo/home',
    username: 'alice',
    password: 'alice-password',
  })
  expect(signedIn.headers.get('location')).toBe('/_tapgate/2fa')
  // The password alone does not open the panel.
  expect((await browser.get('/echo/home')).headers.get('location')).toBe(`${proxyUrl}/_tapgate/2fa`)

  const enroll = await (await browser.get('/_tapgate/enroll?method=totp')).text()
  const enrolled = await browser.postForm(formActionIn(enroll), {
    csrf: csrfTokenIn(enroll),
    code: await totpCode(totpSecretIn(enroll), clock),
  })
  expect(enrolled.headers.get('location')).toBe('/_tapgate/recovery-codes')
  return browser
}

/** The browser's cookies as a header line, for rawRequest. */
function cookieLine(browser: BrowserClient): string {
  return `Cookie: ${[...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ')}`
}

/**
 * Debian's real nginx and Caddy each run the shipped example (config/proxies/, only its addresses
 * changed) in front of a panel, asking tapgate's /_tapgate/verify before each request: a protected path
 * needs both factors, a bypassed one does not, and the panel learns who signed in from tapgate's
 * answer only, never tapgate's own cookies.
 */
describe.each(shippedProxies)('$name with tapgate', (shipped) => {
  let panel: RecordingUpstream
  let gateway: TestGateway
  let proxy: ForegroundServer

  beforeAll(async () => {
    panel = await startRecordingUpstream()
    const proxyPort = await freePort()
    gateway = await startForwardAuthGateway(shipped, proxyPort, panel)
    proxy = await shipped.start(proxyPort, new URL(gateway.url).host, new URL(panel.url).host)
  })
  afterAll(async () => {
    await proxy?.stop()
    await gateway?.close()
    await panel?.close()
  })

  function panelSaw(target: string) {
    return panel.requests.filter((request) => request.target === target)
  }

  function expectIdentityOnly(rawHeaders: string[] | undefined, told: Record<string, string>) {
    expect(rawHeaders).toBeDefined()
    expectOnlyTapgateTold(rawHeaders ?? [], told)
  }

  it('sends a browser without a session to tapgate’s sign-in page; the panel never sees the request', async () => {
    const browser = new BrowserClient(proxy.url)
    const refused = await browser.get('/echo/dashboard?tab=2')
    expect(refused.status).toBe(302)
    expect(refused.headers.get('location')).toBe(
      `${proxy.url}/_tapgate/login?rd=%2Fecho%2Fdashboard%3Ftab%3D2`,
    )
    expect(panelSaw('/echo/dashboard?tab=2')).toEqual([])
    // A script is told 401, not sent to a page it cannot use.
    expect(
      (await fetch(`${proxy.url}/echo/dashboard`, { headers: { accept: 'application/json' } })).status,
    ).toBe(401)
    expect((await browser.get('/echo/internal/x')).status).toBe(403)
  })

  it('lets a bypassed path through without a session, with no identity the client made up', async () => {
    // Every identity, route and method override header in every spelling (Remote_User, X-Webauth-User,
    // X-Original-URL, X-HTTP-Method-Override …).
    await rawRequest(proxy.url, 'GET', '/api/status', ['Accept: application/json', ...forgedHeaderLines])
    const [request, ...more] = panelSaw('/api/status')
    expect(more).toEqual([])
    expect(request?.method).toBe('GET')
    expectIdentityOnly(request?.rawHeaders, {})
  })

  it('lets a user in after both factors and tells the panel who it is, never who the client claims', async () => {
    const browser = await signInAsAlice(proxy.url, gateway.clock)
    const home = await rawRequest(proxy.url, 'GET', '/echo/home', [
      cookieLine(browser),
      'Accept: text/html',
      ...forgedHeaderLines,
    ])
    expect(home.status).toBe(200)
    const [request, ...more] = panelSaw('/echo/home')
    expect(more).toEqual([])
    expect(request?.method).toBe('GET')
    expectIdentityOnly(request?.rawHeaders, { 'Remote-User': 'alice', 'Remote-Name': 'Alice A.' })
    // (The test client ignores cookie paths, so the login form's own cookie comes along.)
    expect(request?.headers.cookie ?? '').not.toMatch(/(^|; )tapgate_(session|device)=/)
    expect(request?.headers.cookie ?? '').toContain('tapgate_session_login=')
  })

  it("never hands the panel tapgate's cookies, on a bypassed path either", async () => {
    const browser = new BrowserClient(proxy.url)
    browser.cookies.set('tapgate_session', 'a'.repeat(43))
    browser.cookies.set('panel_session', 'p1')
    await browser.get('/api/cookies')
    const [request] = panelSaw('/api/cookies')
    expect(request?.headers.cookie).toBe('panel_session=p1')
  })

  it('keeps /_tapgate/verify internal to the proxy', async () => {
    expect((await fetch(`${proxy.url}/_tapgate/verify`)).status).toBe(404)
  })
})

/**
 * tapgate's store (Redis) stops while alice holds a verified session: verify answers 503 and the
 * proxy must fail closed, telling the client 503 (nginx's auth_request alone would make it 500), with
 * tapgate's Retry-After when tapgate sends one, and never ask the panel. Bypassed paths need no store.
 */
describe.each(shippedProxies)('$name, when tapgate’s store is down', (shipped) => {
  let redis: RedisServer
  let panel: RecordingUpstream
  let gateway: TestGateway
  let proxy: ForegroundServer

  beforeAll(async () => {
    redis = await startRedis()
    panel = await startRecordingUpstream()
    const proxyPort = await freePort()
    gateway = await startForwardAuthGateway(shipped, proxyPort, panel, {
      store: createRedisStore(redis.url, 'tapgate-forward-auth:'),
    })
    proxy = await shipped.start(proxyPort, new URL(gateway.url).host, new URL(panel.url).host)
  })
  afterAll(async () => {
    await proxy?.stop()
    await gateway?.close()
    await panel?.close()
    await redis?.stop()
  })

  /** tapgate's own answer to the proxy's question about `target`, asked directly. */
  function askTapgate(browser: BrowserClient, target: string): Promise<Response> {
    const question: Record<string, string> =
      shipped.kind === 'nginx'
        ? { 'X-Original-URI': target, 'X-Original-Method': 'GET' }
        : { 'X-Forwarded-Uri': target, 'X-Forwarded-Method': 'GET' }
    const cookie = cookieLine(browser).slice('Cookie: '.length)
    return fetch(`${gateway.url}/_tapgate/verify`, { headers: { ...question, cookie, accept: 'text/html' } })
  }

  it('answers 503 with tapgate’s Retry-After, never a server error and never the panel', async () => {
    const browser = await signInAsAlice(proxy.url, gateway.clock)
    expect((await browser.get('/echo/home')).status).toBe(200)

    await redis.stop()
    try {
      const before = panel.requests.length
      const page = await browser.get('/echo/home')
      const script = await browser.get('/echo/home', { accept: 'application/json' })
      expect([page.status, script.status]).toEqual([503, 503])
      expect(panel.requests.slice(before)).toEqual([])
      // Whatever tapgate says about when to try again reaches the client (nothing, if it says nothing).
      const tapgateSaid = await askTapgate(browser, '/echo/home')
      expect(tapgateSaid.status).toBe(503)
      expect(page.headers.get('retry-after')).toBe(tapgateSaid.headers.get('retry-after'))
      expect(script.headers.get('retry-after')).toBe(tapgateSaid.headers.get('retry-after'))

      const open = await browser.get('/echo/public/status')
      expect(open.status).toBe(200)
      expect(panel.requests.slice(before).map((request) => request.target)).toEqual(['/echo/public/status'])
    } finally {
      await redis.restart()
    }
  })
})

/**
 * The examples' own handling of verify's refusals with Retry-After, whatever tapgate's answers carry
 * today: a stand-in for verify answers each question with the status its path ends in, 503 (a store
 * outage) or 429 (a client over its limits), and `Retry-After: 120`. The client must get both, and
 * the panel nothing; nginx's auth_request alone would make either a 500.
 */
describe.each(shippedProxies)('$name, when verify refuses with Retry-After', (shipped) => {
  let verify: Server
  let panel: RecordingUpstream
  let proxy: ForegroundServer

  beforeAll(async () => {
    verify = createServer((req, res) => {
      const question = String(req.headers['x-original-uri'] ?? req.headers['x-forwarded-uri'])
      const status = Number(/\/(\d{3})$/.exec(question)?.[1] ?? 500)
      res.writeHead(status, { 'Retry-After': '120', 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ error: 'refused' }))
    })
    verify.listen(0, '127.0.0.1')
    await once(verify, 'listening')
    panel = await startRecordingUpstream()
    const { port } = verify.address() as AddressInfo
    proxy = await shipped.start(await freePort(), `127.0.0.1:${port}`, new URL(panel.url).host)
  })
  afterAll(async () => {
    await proxy?.stop()
    await panel?.close()
    verify?.closeAllConnections()
    verify?.close()
  })

  it.each([
    [503, 'text/html'],
    [503, 'application/json'],
    [429, 'application/json'],
  ])('tells the client %i with Retry-After (accepting %s)', async (status, accept) => {
    const answer = await fetch(`${proxy.url}/echo/home/${status}`, {
      headers: { accept },
      redirect: 'manual',
    })
    expect(answer.status).toBe(status)
    expect(answer.headers.get('retry-after')).toBe('120')
    expect(panel.requests).toEqual([])
  })
})

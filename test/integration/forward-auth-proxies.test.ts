import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hash } from '@node-rs/argon2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { argon2Options } from '../../gateway/first-factor/local-users.ts'
import { BrowserClient, csrfTokenIn, formActionIn, totpSecretIn } from '../support/browser-client.ts'
import type { ForegroundServer } from '../support/foreground-server.ts'
import { shippedProxies } from '../support/forward-auth-proxies.ts'
import { freePort } from '../support/free-port.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { totpCode } from '../support/totp-codes.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts'

/** Every identity header in common use, as a client forges them, the '_' spelling included. */
const forged: Record<string, string> = {
  'Remote-User': 'root',
  Remote_User: 'root',
  'Remote-Email': 'root@example.com',
  'Remote-Groups': 'admins',
  'X-Remote-User': 'root',
  'X-Forwarded-User': 'root',
  'X-Forwarded-Email': 'root@example.com',
  'X-Forwarded-Groups': 'admins',
  'X-Forwarded-Preferred-Username': 'root',
  'X-Auth-Request-User': 'root',
  'X-Auth-Request-Email': 'root@example.com',
  'X-Auth-Request-Groups': 'admins',
}

/**
 * The panel heard only what tapgate told (lower-case name → value); every other identity header is
 * absent, or empty where the proxy copies tapgate's empty answer (Caddy).
 */
function expectIdentity(headers: Record<string, unknown> | undefined, told: Record<string, string>): void {
  for (const name of [...Object.keys(forged).map((n) => n.toLowerCase()), ...Object.keys(told)]) {
    expect(headers?.[name] ?? '', name).toBe(told[name] ?? '')
  }
}

/**
 * Debian's real nginx and Caddy each run the shipped example (config/proxies/, only its addresses
 * changed) in front of a panel, asking tapgate's /_tapgate/verify before each request: a protected path
 * needs both factors, a bypassed one does not, and the panel learns who signed in from tapgate's
 * answer only, never tapgate's own cookies.
 */
describe.each(shippedProxies)('$name with tapgate', ({ kind, start }) => {
  let panel: RecordingUpstream
  let gateway: TestGateway
  let proxy: ForegroundServer

  beforeAll(async () => {
    panel = await startRecordingUpstream()
    const dir = mkdtempSync(join(tmpdir(), 'tapgate-forward-auth-'))
    const usersFile = join(dir, 'users.yaml')
    const password = await hash('alice-password', argon2Options)
    writeFileSync(usersFile, JSON.stringify({ users: { alice: { password, displayname: 'Alice A.' } } }))
    const proxyPort = await freePort()
    gateway = await startTestGateway({
      upstreamUrl: panel.url,
      config: {
        public_url: `http://127.0.0.1:${proxyPort}`,
        trusted_proxies: ['127.0.0.1/32'],
        forward_auth: { proxy: kind },
        first_factor: { mode: 'local', users_file: usersFile },
        rules: [
          { prefix: '/api/', policy: 'bypass' },
          { prefix: '/echo/internal/', policy: 'deny' },
        ],
      },
    })
    proxy = await start(proxyPort, new URL(gateway.url).host, new URL(panel.url).host)
  })
  afterAll(async () => {
    await proxy?.stop()
    await gateway?.close()
    await panel?.close()
  })

  function panelSaw(target: string) {
    return panel.requests.filter((request) => request.target === target)
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
    await fetch(`${proxy.url}/api/status`, { headers: forged })
    const [request] = panelSaw('/api/status')
    expect(request).toBeDefined()
    expectIdentity(request?.headers, {})
  })

  it('lets a user in after both factors and tells the panel who it is, never who the client claims', async () => {
    const browser = new BrowserClient(proxy.url)
    const login = await (await browser.get('/_tapgate/login?rd=%2Fecho%2Fhome')).text()
    const signedIn = await browser.postForm('/_tapgate/login', {
      csrf: csrfTokenIn(login),
      rd: '/echo/home',
      username: 'alice',
      password: 'alice-password',
    })
    expect(signedIn.headers.get('location')).toBe('/_tapgate/2fa')
    // The password alone does not open the panel.
    expect((await browser.get('/echo/home')).headers.get('location')).toBe(`${proxy.url}/_tapgate/2fa`)

    const enroll = await (await browser.get('/_tapgate/enroll')).text()
    const enrolled = await browser.postForm(formActionIn(enroll), {
      csrf: csrfTokenIn(enroll),
      code: await totpCode(totpSecretIn(enroll), gateway.clock),
    })
    expect(enrolled.headers.get('location')).toBe('/_tapgate/recovery-codes')

    const home = await browser.get('/echo/home', forged)
    expect(home.status).toBe(200)
    const [request] = panelSaw('/echo/home')
    expectIdentity(request?.headers, { 'remote-user': 'alice', 'remote-name': 'Alice A.' })
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

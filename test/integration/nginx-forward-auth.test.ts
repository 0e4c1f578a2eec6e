import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hash } from '@node-rs/argon2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { argon2Options } from '../../gateway/first-factor/local-users.ts'
import { BrowserClient, csrfTokenIn, formActionIn, totpSecretIn } from '../support/browser-client.ts'
import { freePort } from '../support/free-port.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { type Nginx, startNginx } from '../support/nginx.ts'
import { totpCode } from '../support/totp-codes.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts'

/**
 * Debian's real nginx runs the shipped example (config/proxies/nginx-forward-auth.conf, only its
 * addresses changed) in front of a panel, asking tapgate's /_tapgate/verify before each request:
 * a protected path needs both factors, a bypassed one does not, and the panel learns who signed in
 * from tapgate's answer only.
 */
let panel: RecordingUpstream
let gateway: TestGateway
let nginx: Nginx

beforeAll(async () => {
  panel = await startRecordingUpstream()
  const dir = mkdtempSync(join(tmpdir(), 'tapgate-forward-auth-'))
  const usersFile = join(dir, 'users.yaml')
  const password = await hash('alice-password', argon2Options)
  writeFileSync(usersFile, JSON.stringify({ users: { alice: { password, displayname: 'Alice A.' } } }))
  const nginxPort = await freePort()
  gateway = await startTestGateway({
    upstreamUrl: panel.url,
    config: {
      public_url: `http://127.0.0.1:${nginxPort}`,
      trusted_proxies: ['127.0.0.1/32'],
      first_factor: { mode: 'local', users_file: usersFile },
      rules: [
        { prefix: '/api/', policy: 'bypass' },
        { prefix: '/echo/internal/', policy: 'deny' },
      ],
    },
  })
  const example = readFileSync('config/proxies/nginx-forward-auth.conf', 'utf8')
    .replace('127.0.0.1:8080', new URL(gateway.url).host)
    .replace('127.0.0.1:2082', new URL(panel.url).host)
  nginx = await startNginx(example, nginxPort)
})
afterAll(async () => {
  await nginx?.stop()
  await gateway?.close()
  await panel?.close()
})

function panelSaw(target: string) {
  return panel.requests.filter((request) => request.target === target)
}

describe('nginx auth_request with tapgate', () => {
  it('sends a browser without a session to tapgate’s sign-in page; the panel never sees the request', async () => {
    const browser = new BrowserClient(nginx.url)
    const refused = await browser.get('/echo/dashboard?tab=2')
    expect(refused.status).toBe(302)
    expect(refused.headers.get('location')).toBe(
      `${nginx.url}/_tapgate/login?rd=%2Fecho%2Fdashboard%3Ftab%3D2`,
    )
    expect(panelSaw('/echo/dashboard?tab=2')).toEqual([])
    // A script is told 401, not sent to a page it cannot use.
    expect(
      (await fetch(`${nginx.url}/echo/dashboard`, { headers: { accept: 'application/json' } })).status,
    ).toBe(401)
    expect((await browser.get('/echo/internal/x')).status).toBe(403)
  })

  it('lets a bypassed path through without a session, with no identity the client made up', async () => {
    await fetch(`${nginx.url}/api/status`, { headers: { 'Remote-User': 'root', 'X-Forwarded-User': 'root' } })
    const [request] = panelSaw('/api/status')
    expect(request).toBeDefined()
    expect(request?.headers['remote-user']).toBeUndefined()
    expect(request?.headers['x-forwarded-user']).toBeUndefined()
  })

  it('lets a user in after both factors and tells the panel who it is, never who the client claims', async () => {
    const browser = new BrowserClient(nginx.url)
    const login = await (await browser.get('/_tapgate/login?rd=%2Fecho%2Fhome')).text()
    const signedIn = await browser.postForm('/_tapgate/login', {
      csrf: csrfTokenIn(login),
      rd: '/echo/home',
      username: 'alice',
      password: 'alice-password',
    })
    expect(signedIn.headers.get('location')).toBe('/_tapgate/2fa')
    // The password alone does not open the panel.
    expect((await browser.get('/echo/home')).headers.get('location')).toBe(`${nginx.url}/_tapgate/2fa`)

    const enroll = await (await browser.get('/_tapgate/enroll')).text()
    const enrolled = await browser.postForm(formActionIn(enroll), {
      csrf: csrfTokenIn(enroll),
      code: await totpCode(totpSecretIn(enroll), gateway.clock),
    })
    expect(enrolled.headers.get('location')).toBe('/_tapgate/recovery-codes')

    const home = await browser.get('/echo/home', { 'Remote-User': 'root', 'X-Remote-User': 'root' })
    expect(home.status).toBe(200)
    const [request] = panelSaw('/echo/home')
    expect(request?.headers['remote-user']).toBe('alice')
    expect(request?.headers['remote-name']).toBe('Alice A.')
    expect(request?.headers['x-remote-user']).toBeUndefined()
    // (The test client ignores cookie paths, so the login form's own cookie comes along.)
    expect(request?.headers.cookie ?? '').not.toMatch(/(^|; )tapgate_(session|device)=/)
    expect(request?.headers.cookie ?? '').toContain('tapgate_session_login=')
  })

  it('keeps /_tapgate/verify internal to nginx', async () => {
    expect((await fetch(`${nginx.url}/_tapgate/verify`)).status).toBe(404)
  })
})

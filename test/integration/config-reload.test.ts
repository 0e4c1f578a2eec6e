import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { type IncomingMessage, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hash } from '@node-rs/argon2'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { argon2Options } from '../../gateway/first-factor/local-users.ts'
import { BrowserClient, csrfTokenIn } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { freePort } from '../support/free-port.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { enrollTotp } from '../support/sign-in.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts'
import { waitFor } from '../support/wait-for.ts'

/**
 * Issue 17, config reload: a reloaded config serves the next request (rules, pages, users file,
 * factors), while sessions, requests in flight, metrics and the panel connections carry on; what
 * only a restart applies is named and keeps its running value; a config that cannot be applied
 * changes nothing. (Reading the file on SIGHUP and `tapgate reload`: reload-command.test.ts.)
 */
describe('a reloaded config, behind the demo panel', () => {
  const demo = useDemoGateway()

  it('serves the next request by its rules and pages, and signed-in users stay signed in', async () => {
    const browser = new BrowserClient(demo.gateway.url, demo.gateway.publicOrigin)
    await enrollTotp(browser, demo.gateway.clock)
    expect((await browser.get('/api/status')).status).not.toBe(403)
    const outcome = await demo.gateway.reload(
      demo.gateway.configWith({
        rules: [{ prefix: '/api/', policy: 'deny' }],
        ui: { name: 'Example Hosting' },
      }),
    )
    expect(outcome).toEqual({ applied: true, restartNeeded: [] })
    demo.panelSaw.length = 0
    const denied = await browser.get('/api/status')
    expect(denied.status).toBe(403)
    expect(await denied.text()).toContain('<span class="masthead-name">Example Hosting</span>')
    expect(demo.panelSaw).toEqual([])
    const dashboard = await browser.get('/dashboard')
    expect(dashboard.status).toBe(200)
    expect(demo.panelSaw).toEqual(['GET /dashboard'])
  })

  it('keeps counting in the same metrics', async () => {
    const count = async () => {
      const text = await (await fetch(`${demo.gateway.metricsUrl}/metrics`)).text()
      const line = text.split('\n').find((l) => l.startsWith('tapgate_requests_total{policy="deny"'))
      return Number(line?.split(' ')[1] ?? 0)
    }
    const browser = new BrowserClient(demo.gateway.url, demo.gateway.publicOrigin)
    await demo.gateway.reload(demo.gateway.configWith({ rules: [{ prefix: '/api/', policy: 'deny' }] }))
    expect((await browser.get('/api/status')).status).toBe(403)
    expect(await count()).toBe(1)
    await demo.gateway.reload(demo.gateway.configWith({ rules: [{ prefix: '/', policy: 'deny' }] }))
    expect((await browser.get('/anything')).status).toBe(403)
    expect(await count()).toBe(2)
  })

  it('names the settings only a restart applies, and keeps serving on the running ones', async () => {
    const elsewhere = `127.0.0.1:${await freePort()}`
    const outcome = await demo.gateway.reload(
      demo.gateway.configWith({ listen: elsewhere, upstream: { url: 'http://127.0.0.1:1', timeout: '5s' } }),
    )
    expect(outcome).toEqual({ applied: true, restartNeeded: ['listen', 'upstream.url'] })
    expect(demo.gateway.services.config.listen.port).toBe(Number(new URL(demo.gateway.url).port))
    expect(demo.gateway.services.config.upstream.url).toBe(demo.panel.url)
    const browser = new BrowserClient(demo.gateway.url, demo.gateway.publicOrigin)
    expect((await browser.get('/api/status')).status).not.toBe(502)
    expect(demo.panelSaw).toEqual(['GET /api/status'])
  })

  it('takes the log level at once', async () => {
    expect(demo.gateway.services.log.level).toBe('debug')
    await demo.gateway.reload(demo.gateway.configWith({ log_level: 'warn' }))
    expect(demo.gateway.services.log.level).toBe('warn')
  })

  it('applies reloads in the order they were asked for', async () => {
    const deny = demo.gateway.configWith({ rules: [{ prefix: '/api/', policy: 'deny' }] })
    const bypass = demo.gateway.configWith({ rules: [{ prefix: '/api/', policy: 'bypass' }] })
    const [first, second] = await Promise.all([demo.gateway.reload(deny), demo.gateway.reload(bypass)])
    expect([first.applied, second.applied]).toEqual([true, true])
    expect(demo.gateway.services.config.rules).toEqual(bypass.rules)
  })

  it('is refused once the gateway is stopping', async () => {
    const config = demo.gateway.configWith({ rules: [{ prefix: '/api/', policy: 'deny' }] })
    const closed = demo.gateway.close()
    expect(await demo.gateway.reload(config)).toEqual({
      applied: false,
      problems: ['the gateway is stopping'],
    })
    await closed
  })
})

describe('a request in flight when the config is reloaded', () => {
  let upstream: RecordingUpstream
  let gateway: TestGateway
  beforeAll(async () => {
    upstream = await startRecordingUpstream()
  })
  afterAll(() => upstream.close())
  beforeEach(async () => {
    gateway = await startTestGateway({
      upstreamUrl: upstream.url,
      config: { rules: [{ prefix: '/', policy: 'bypass' }] },
    })
  })
  afterEach(() => gateway.close())

  it('finishes under the config it began with; the next one gets the new', async () => {
    const upload = request(`${gateway.url}/upload`, { method: 'POST', headers: { 'Content-Length': 8 } })
    const answered = once(upload, 'response') as Promise<[IncomingMessage]>
    upload.write('half')
    await waitFor(async () => expect(upstream.requests.at(-1)?.bodyBytes).toBe(4))
    await gateway.reload(gateway.configWith({ rules: [{ prefix: '/', policy: 'deny' }] }))
    upload.end('half')
    const [response] = await answered
    let body = ''
    for await (const chunk of response) body += chunk
    expect({ status: response.statusCode, body: JSON.parse(body) }).toEqual({
      status: 200,
      body: { bytes: 8 },
    })
    expect((await fetch(`${gateway.url}/upload`, { method: 'POST', body: 'x' })).status).toBe(403)
  })
})

describe('a reloaded users file (first_factor.mode: local)', () => {
  let upstream: RecordingUpstream
  let gateway: TestGateway
  let dir: string
  const hashes: Record<string, string> = {}

  function usersFile(name: string, users: readonly string[]): string {
    const file = join(dir, name)
    const entries = Object.fromEntries(users.map((user) => [user, { password: hashes[user] }]))
    writeFileSync(file, JSON.stringify({ users: entries }))
    return file
  }

  const localMode = (file: string) => ({ first_factor: { mode: 'local', users_file: file } })

  async function passwordStep(user: string): Promise<string | null> {
    const browser = new BrowserClient(gateway.url, gateway.publicOrigin)
    const page = await (await browser.get('/_tapgate/login')).text()
    const answer = await browser.postForm('/_tapgate/login', {
      csrf: csrfTokenIn(page),
      username: user,
      password: `${user}-password`,
    })
    return answer.headers.get('location')
  }

  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    for (const name of ['alice', 'carol']) hashes[name] = await hash(`${name}-password`, argon2Options)
  })
  afterAll(() => upstream.close())
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tapgate-reload-'))
    gateway = await startTestGateway({
      upstreamUrl: upstream.url,
      config: localMode(usersFile('users.yaml', ['alice'])),
    })
  })
  afterEach(async () => {
    await gateway.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('is the one passwords are checked against from then on', async () => {
    expect(await passwordStep('alice')).toBe('/_tapgate/2fa')
    expect(await passwordStep('carol')).not.toBe('/_tapgate/2fa')
    const outcome = await gateway.reload(gateway.configWith(localMode(usersFile('next.yaml', ['carol']))))
    expect(outcome.applied).toBe(true)
    expect(await passwordStep('carol')).toBe('/_tapgate/2fa')
    expect(await passwordStep('alice')).not.toBe('/_tapgate/2fa')
  })

  it('when it cannot be read, leaves the running config in place and says why', async () => {
    const gone = usersFile('gone.yaml', ['carol'])
    const config = gateway.configWith(localMode(gone))
    rmSync(gone)
    const outcome = await gateway.reload(config)
    expect(outcome.applied).toBe(false)
    expect(outcome.applied === false && outcome.problems.join()).toContain(gone)
    expect(await passwordStep('alice')).toBe('/_tapgate/2fa')
    expect(await passwordStep('carol')).not.toBe('/_tapgate/2fa')
  })
})

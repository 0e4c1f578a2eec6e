import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type DemoPanel, startDemoPanel } from '../../demo/panel.ts'
import { storeCommand } from '../../gateway/cli/store-commands.ts'
import { createRedisStore } from '../../gateway/store/redis-store.ts'
import { BrowserClient, csrfTokenIn, totpSecretIn } from '../support/browser-client.ts'
import { startTestGateway, type TestGateway, testEncryptionKey } from '../support/gateway.ts'
import { type RedisServer, startRedis } from '../support/redis.ts'
import { totpCode } from '../support/totp-codes.ts'
import { waitFor } from '../support/wait-for.ts'

/**
 * DESIGN invariant 2: when the store fails, tapgate fails closed. With Redis stopped mid-test, a
 * user holding a valid verified session gets 503 on two_factor paths (never the panel), a panel
 * login is not released, and bypass paths keep working because they need no store.
 */
let redis: RedisServer
let panel: DemoPanel
let gateway: TestGateway
const panelSaw: string[] = []

beforeAll(async () => {
  redis = await startRedis()
  panel = await startDemoPanel()
  panel.server.on('request', (req) => panelSaw.push(`${req.method} ${req.url}`))
  gateway = await startTestGateway({
    upstreamUrl: panel.url,
    store: createRedisStore(redis.url, 'tapgate-test:'),
  })
})
afterAll(async () => {
  await gateway.close()
  await panel.close()
  await redis.stop()
})

describe('Redis stopped mid-test', () => {
  it('answers 503 on two_factor paths, refuses logins, and still proxies bypass paths', async () => {
    const browser = new BrowserClient(gateway.url)
    await browser.postForm('/login', { username: 'demo', password: 'demo-password' })
    const page = await (await browser.get('/_tapgate/enroll?method=totp')).text()
    const code = await totpCode(totpSecretIn(page), gateway.clock)
    expect((await browser.postForm('/_tapgate/enroll', { csrf: csrfTokenIn(page), code })).status).toBe(303)
    expect((await browser.get('/dashboard')).status).toBe(200)

    await redis.stop()
    panelSaw.length = 0

    const html = await browser.get('/dashboard')
    expect(html.status).toBe(503)
    expect(await html.text()).toContain('temporarily unavailable')
    const json = await browser.get('/dashboard', { accept: 'application/json' })
    expect(json.status).toBe(503)
    expect(await json.json()).toMatchObject({ error: 'store_unavailable' })

    const login = await new BrowserClient(gateway.url).postForm('/login', {
      username: 'alice',
      password: 'alice-password',
    })
    expect(login.status).toBe(503)
    expect(login.headers.getSetCookie()).toEqual([])
    expect(panelSaw.filter((line) => !line.startsWith('GET /api/'))).toEqual([])

    const api = await fetch(`${gateway.url}/api/status`, {
      headers: { authorization: 'Bearer demo-api-key' },
    })
    expect(api.status).toBe(200)

    await redis.restart()
  })

  it('refuses enrollment after Redis came back empty, instead of treating enrolled users as new', async () => {
    // The previous test restarted Redis without persistence: every factor enrolled before is gone.
    await waitFor(() => gateway.store.ping())
    const browser = new BrowserClient(gateway.url)
    const login = await browser.postForm('/login', { username: 'demo', password: 'demo-password' })
    expect(login.status).toBe(303)
    expect((await browser.get('/_tapgate/2fa')).headers.get('location')).toBe('/_tapgate/enroll')
    const enroll = await browser.get('/_tapgate/enroll?method=totp')
    expect(enroll.status).toBe(503)
    expect(await enroll.text()).not.toContain('class="secret"')
    expect(gateway.logs.some((line) => line.event === 'store_data_lost')).toBe(true)
  })

  it('keeps refusing after the gateway restarts, until an operator runs `tapgate store accept-empty`', async () => {
    // The same host starting again: it remembers the identity of the store it served.
    const identityFile = gateway.services.storeIdentity.file
    await gateway.close()
    gateway = await startTestGateway({
      upstreamUrl: panel.url,
      store: createRedisStore(redis.url, 'tapgate-test:'),
      config: { store: { identity_file: identityFile } },
    })
    const browser = new BrowserClient(gateway.url)
    const login = await browser.postForm('/login', { username: 'demo', password: 'demo-password' })
    expect(login.status).toBe(303)
    const refused = await browser.get('/_tapgate/enroll?method=totp')
    expect(refused.status).toBe(503)
    expect(await refused.text()).not.toContain('class="secret"')
    // Said at start-up already, before anyone tries.
    expect(gateway.logs[0]).toMatchObject({ event: 'store_data_lost' })

    const dir = mkdtempSync(join(tmpdir(), 'tapgate-accept-empty-'))
    const config = join(dir, 'tapgate.yaml')
    // JSON is YAML too; the operator's config names the same store and identity file.
    writeFileSync(
      config,
      JSON.stringify({
        public_url: 'http://127.0.0.1:1',
        upstream: { url: 'http://127.0.0.1:1' },
        first_factor: { panel_cookies: ['session'] },
        encryption_key: testEncryptionKey,
        store: { redis_url: redis.url, key_prefix: 'tapgate-test:', identity_file: identityFile },
      }),
    )
    const said = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      expect(await storeCommand(['accept-empty', '--config', config])).toBe(0)
      expect(String(said.mock.calls[0]?.[0])).toContain('Accepted the empty store')
    } finally {
      said.mockRestore()
    }
    const accepted = await browser.get('/_tapgate/enroll?method=totp')
    expect(accepted.status).toBe(200)
    expect(await accepted.text()).toContain('class="secret"')
  })
})

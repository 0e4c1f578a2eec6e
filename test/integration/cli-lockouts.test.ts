import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type DemoPanel, startDemoPanel } from '../../demo/panel.ts'
import { BrowserClient } from '../support/browser-client.ts'
import { tapgate, writeCliConfig } from '../support/cli.ts'
import { FixedClock } from '../support/clock.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { signInWithPassword } from '../support/sign-in.ts'
import { tempSqliteStore } from '../support/temp-sqlite-store.ts'

/**
 * `tapgate lockouts list|lift`, run in this process against the embedded store of a gateway that is
 * running in this test: the CLI sees the address the gateway locked, and the gateway lets the
 * address in once the CLI lifted it.
 */
let panel: DemoPanel
let gateway: TestGateway
let config: string

beforeAll(async () => {
  panel = await startDemoPanel()
})
afterAll(() => panel.close())
beforeEach(async () => {
  // The CLI reads expiries with the real clock, so the gateway's clock starts at the real time.
  const clock = new FixedClock(Date.now())
  const { store, path: storePath, dir } = tempSqliteStore(clock)
  gateway = await startTestGateway({
    upstreamUrl: panel.url,
    clock,
    store,
    config: { trusted_proxies: ['127.0.0.1'], regulation: { max_failures_per_ip: 3 } },
  })
  config = writeCliConfig(join(dir, 'tapgate.yaml'), storePath)
})
afterEach(() => gateway.close())

const lockouts = (args: string[]) => tapgate(['lockouts', ...args, '--config', config])

const from = (address: string) => new BrowserClient(gateway.url, undefined, { 'x-forwarded-for': address })

async function spray(address: string) {
  for (const user of ['ann', 'bob', 'cy']) await signInWithPassword(from(address), user, 'guess')
}

describe('tapgate lockouts', () => {
  it('lists the addresses locked for everyone, and lifts one so that it can sign in again', async () => {
    expect(await lockouts(['list'])).toEqual({ code: 0, stdout: 'No address is locked out.\n', stderr: '' })
    await spray('203.0.113.9')
    gateway.clock.advance(60_000)
    await spray('2001:db8:7:8::1')
    expect((await signInWithPassword(from('203.0.113.9'))).status).toBe(429)

    const listed = await lockouts(['list'])
    expect(listed.code).toBe(0)
    expect(listed.stdout).toMatch(
      /^ADDRESS {12}LOCKED OUT UNTIL\n203\.0\.113\.9 {8}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n2001:db8:7:8::\/64 {2}\d{4}/,
    )
    const json = JSON.parse((await lockouts(['list', '--json'])).stdout) as { address: string }[]
    expect(json.map((lock) => lock.address)).toEqual(['203.0.113.9', '2001:db8:7:8::/64'])

    expect(await lockouts(['lift', '203.0.113.9'])).toMatchObject({
      code: 0,
      stdout: '203.0.113.9: lockout lifted.\n',
    })
    // Any address of a locked /64 lifts the whole block.
    expect((await lockouts(['lift', '2001:db8:7:8::ffff'])).stdout).toBe(
      '2001:db8:7:8::/64: lockout lifted.\n',
    )
    expect((await lockouts(['list'])).stdout).toBe('No address is locked out.\n')
    expect((await signInWithPassword(from('203.0.113.9'))).headers.get('location')).toBe('/_tapgate/2fa')
    expect(gateway.logs.filter((line) => line.event === 'lockout').map((line) => line.subject)).toEqual([
      'ip',
      'ip',
    ])
  })

  it('says so when an address is not locked, and refuses what is not an address', async () => {
    expect(await lockouts(['lift', '198.51.100.1'])).toEqual({
      code: 0,
      stdout: '198.51.100.1 is not locked out.\n',
      stderr: '',
    })
    expect(await lockouts(['lift', 'demo'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "tapgate: 'demo' is not an IP address\n",
    })
    for (const wrong of [[], ['lift'], ['list', 'extra'], ['drop', '198.51.100.1']]) {
      const refused = await lockouts(wrong)
      expect(refused.code).toBe(2)
      expect(refused.stderr).toContain('Usage: tapgate lockouts')
    }
  })
})

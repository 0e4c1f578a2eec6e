import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type DemoPanel, startDemoPanel } from '../../demo/panel.ts'
import { SoftYubiKey } from '../../demo/soft-yubikey.ts'
import { BrowserClient, csrfTokenIn } from '../support/browser-client.ts'
import { tapgate } from '../support/cli.ts'
import { FixedClock } from '../support/clock.ts'
import { startTestGateway, type TestGateway, testEncryptionKey } from '../support/gateway.ts'
import { signInWithPassword } from '../support/sign-in.ts'
import { tempSqliteStore } from '../support/temp-sqlite-store.ts'

/**
 * Local YubiKey mode from end to end: an operator imports keys from the Personalization Tool's log
 * with `tapgate user add-yubikey` (a real child process on the gateway's own SQLite store), the user
 * enrolls the key with a tap and signs in with the next; tapgate decrypts every OTP itself, so a
 * code whose counters do not grow is refused, and a key imported for someone else is no one else's.
 */
const desk = SoftYubiKey.random()
const spare = SoftYubiKey.random()
const stranger = SoftYubiKey.random()

/** The tool's log of a batch programmed one after the other (the default, "traditional" layout). */
function personalizationLog(keys: SoftYubiKey[]): string {
  const lines = keys.map(
    (key, at) =>
      `Yubico OTP,11/23/2026 10:0${at},1,${key.publicId},${key.privateId},${key.aesKey},,,0,0,0,0,0`,
  )
  return ['LOGGING START,11/23/2026 10:00', ...lines, ''].join('\n')
}

let panel: DemoPanel
let gateway: TestGateway
let storePath: string
let config: string
let batch: string
let single: string

beforeAll(async () => {
  panel = await startDemoPanel()
})
afterAll(() => panel.close())
beforeEach(async () => {
  const yubicoOtp = { enabled: true, mode: 'local' }
  const clock = new FixedClock(Date.now())
  const sqlite = tempSqliteStore(clock)
  storePath = sqlite.path
  gateway = await startTestGateway({
    upstreamUrl: panel.url,
    clock,
    store: sqlite.store,
    config: { factors: { yubico_otp: yubicoOtp } },
  })
  config = join(sqlite.dir, 'tapgate.yaml')
  // JSON is YAML too.
  writeFileSync(
    config,
    JSON.stringify({
      public_url: 'http://127.0.0.1:1',
      upstream: { url: 'http://127.0.0.1:1' },
      first_factor: { panel_cookies: ['session'] },
      encryption_key: testEncryptionKey,
      store: { embedded_path: storePath },
      factors: { yubico_otp: yubicoOtp },
    }),
  )
  batch = join(sqlite.dir, 'configuration_log.csv')
  writeFileSync(batch, personalizationLog([desk, spare]))
  single = join(sqlite.dir, 'one-key.csv')
  writeFileSync(single, personalizationLog([stranger]))
})
afterEach(() => gateway.close())

async function importKey(user: string, file: string, ...options: string[]) {
  return tapgate(['user', 'add-yubikey', user, '--csv', file, '--config', config, ...options])
}

async function enrollWithTap(browser: BrowserClient, otp: string, name = '') {
  await signInWithPassword(browser)
  const page = await (await browser.get('/_tapgate/enroll?method=yubico_otp')).text()
  return browser.postForm('/_tapgate/enroll/yubikey', { csrf: csrfTokenIn(page), name, otp })
}

async function tapAtSecondStep(browser: BrowserClient, otp: string) {
  await signInWithPassword(browser)
  const page = await (await browser.get('/_tapgate/2fa')).text()
  return browser.postForm('/_tapgate/2fa/yubikey', { csrf: csrfTokenIn(page), otp })
}

describe('tapgate user add-yubikey', () => {
  it('imports the chosen key of a batch, never printing a secret, and records it in the history', async () => {
    const ambiguous = await importKey('demo', batch)
    expect(ambiguous.code).toBe(1)
    expect(ambiguous.stderr).toBe(
      `tapgate: ${batch} has 2 keys (${desk.publicId}, ${spare.publicId}); choose one with --public-id\n`,
    )

    const imported = await importKey('Demo', batch, '--public-id', desk.publicId, '--name', 'Desk key')
    expect(imported.code).toBe(0)
    expect(imported.stdout).toBe(
      `demo: YubiKey ${desk.publicId} imported.\n` +
        'It counts once they enroll it with a tap (at sign-in, or on their account page).\n',
    )
    for (const secret of [desk.aesKey, desk.privateId]) {
      expect(imported.stdout + imported.stderr).not.toContain(secret)
    }
    const [entry] = await gateway.services.history.of('demo')
    expect(entry).toMatchObject({ event: 'admin', result: 'yubikey_imported', factor: 'yubico_otp' })
  })

  it('refuses a key that already belongs to another user, a missing file and cloud mode, changing nothing', async () => {
    expect((await importKey('alice', single)).code).toBe(0)
    const taken = await importKey('demo', single)
    expect(taken.code).toBe(1)
    expect(taken.stderr).toBe(`tapgate: line 2: ${stranger.publicId} belongs to another user\n`)

    const missing = await importKey('demo', join(tmpdir(), 'no-such-log.csv'))
    expect(missing.stderr).toMatch(/^tapgate: cannot read .*no-such-log\.csv: ENOENT\n$/)

    const cloudConfig = config.replace('tapgate.yaml', 'cloud.yaml')
    writeFileSync(
      cloudConfig,
      JSON.stringify({
        public_url: 'http://127.0.0.1:1',
        upstream: { url: 'http://127.0.0.1:1' },
        first_factor: { panel_cookies: ['session'] },
        encryption_key: testEncryptionKey,
        store: { embedded_path: storePath },
        factors: { yubico_otp: { enabled: true, mode: 'cloud', client_id: 1, api_key: 'c2VjcmV0' } },
      }),
    )
    const cloud = await tapgate(['user', 'add-yubikey', 'demo', '--csv', single, '--config', cloudConfig])
    expect(cloud).toEqual({
      code: 1,
      stdout: '',
      stderr: "tapgate: importing YubiKey secrets needs 'factors.yubico_otp' enabled with mode: local\n",
    })
    expect(await gateway.services.yubicoOtp?.keysOf('demo')).toEqual([])
  })
})

describe('a YubiKey validated by tapgate itself', () => {
  it('enrolls an imported key with a tap under its imported name, then signs in with the next tap', async () => {
    await importKey('demo', batch, '--public-id', desk.publicId, '--name', 'Desk key')
    const browser = new BrowserClient(gateway.url)
    const enrolled = await enrollWithTap(browser, desk.tap())
    expect(enrolled.headers.get('location')).toBe('/_tapgate/recovery-codes')
    expect(await (await browser.get('/_tapgate/account')).text()).toContain('Desk key')
    expect((await tapgate(['user', 'show', 'demo', '--config', config])).stdout).toContain(
      'YubiKeys:           1\n',
    )
    await browser.get('/logout')

    const signedIn = await tapAtSecondStep(browser, desk.tap())
    expect(signedIn.headers.get('location')).toBe('/dashboard')
    expect((await browser.get('/dashboard')).status).toBe(200)
  })

  it('refuses a code whose counters do not grow: a replay, and an older code typed after a newer one', async () => {
    await importKey('demo', batch, '--public-id', desk.publicId)
    const browser = new BrowserClient(gateway.url)
    await enrollWithTap(browser, desk.tap())
    await browser.get('/logout')

    const older = desk.tap()
    const newer = desk.tap()
    expect((await tapAtSecondStep(browser, newer)).headers.get('location')).toBe('/dashboard')
    await browser.get('/logout')

    const replayed = await tapAtSecondStep(browser, newer)
    expect(replayed.status).toBe(401)
    expect(await replayed.text()).toContain('That code was already used.')
    const regressed = await tapAtSecondStep(browser, older)
    expect(regressed.status).toBe(401)
    expect(await regressed.text()).toContain('That YubiKey code was not accepted.')
    expect((await browser.get('/dashboard')).headers.get('location')).toBe('/_tapgate/2fa')
  })

  it('refuses a key nobody imported, and a key imported for another user, at enrollment', async () => {
    await importKey('alice', single)
    const browser = new BrowserClient(gateway.url)

    const unknown = await enrollWithTap(browser, SoftYubiKey.random().tap())
    expect(unknown.status).toBe(401)
    expect(await unknown.text()).toContain('That YubiKey code was not accepted.')

    const alices = await enrollWithTap(browser, stranger.tap())
    expect(alices.status).toBe(401)
    expect(await alices.text()).toContain('That YubiKey is already registered.')
    expect(await gateway.services.yubicoOtp?.keysOf('demo')).toEqual([])
  })
})

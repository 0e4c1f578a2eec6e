import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type DemoPanel, startDemoPanel } from '../../demo/panel.ts'
import { keys } from '../../gateway/store/keys.ts'
import { EnrollmentInvites } from '../../gateway/users/enrollment-invites.ts'
import { BrowserClient } from '../support/browser-client.ts'
import { inDirectory, tapgate, writeCliConfig } from '../support/cli.ts'
import { FixedClock } from '../support/clock.ts'
import { startTestGateway, type TestGateway, testEncryptionKey } from '../support/gateway.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import { tempSqliteStore } from '../support/temp-sqlite-store.ts'

/**
 * `tapgate user …` run in this process (support/cli.ts) against the embedded SQLite store of a gateway that
 * is running in this test: the CLI sees what the gateway wrote, and the gateway sees what the CLI
 * did (a reset ends the user's open session at once). `demo` has an authenticator app; `alice` has
 * only passed the password step.
 */
const actor = `cli:${userInfo().username}`

/** stderr of a successful action holds only the JSON log lines of what it recorded. */
function logLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

let panel: DemoPanel
let gateway: TestGateway
let dir: string
let storePath: string
let config: string
let inviteConfig: string
let userBrowser: BrowserClient

const writeConfig = (name: string, extra: Record<string, unknown>) =>
  writeCliConfig(join(dir, name), storePath, extra)

beforeAll(async () => {
  panel = await startDemoPanel()
})
afterAll(() => panel.close())
beforeEach(async () => {
  // The CLI reads expiries with the real clock, so the gateway's clock starts at the real time.
  const clock = new FixedClock(Date.now())
  const sqlite = tempSqliteStore(clock)
  dir = sqlite.dir
  storePath = sqlite.path
  gateway = await startTestGateway({
    upstreamUrl: panel.url,
    clock,
    store: sqlite.store,
    config: { trusted_proxies: ['127.0.0.1'] },
  })
  userBrowser = new BrowserClient(gateway.url)
  await enrollTotp(userBrowser, clock, 'demo')
  await signInWithPassword(new BrowserClient(gateway.url), 'alice')
  config = writeConfig('tapgate.yaml', {})
  inviteConfig = writeConfig('invite.yaml', { enrollment: { first_enrollment: 'invite', invite_ttl: '2d' } })
})
afterEach(() => gateway.close())

describe('tapgate user list', () => {
  it('lists the users who signed in, with their factors, searchable, as text or JSON', async () => {
    const all = await tapgate(['user', 'list', '--config', config])
    expect(all).toMatchObject({ code: 0, stderr: '' })
    expect(all.stdout.split('\n')).toEqual([
      'USER   SECURITY KEYS  AUTHENTICATOR APP  RECOVERY CODES  LOCKED OUT UNTIL',
      'alice  None           Off                None            -',
      'demo   None           On                 10 left         -',
      '',
    ])

    const found = await tapgate(['user', 'list', '--search', 'DEM', '--json'], { TAPGATE_CONFIG: config })
    expect(found.code).toBe(0)
    expect(JSON.parse(found.stdout)).toEqual([
      {
        user: 'demo',
        totp: true,
        keys: 0,
        factors: { webauthn: 0, totp: 1 },
        recoveryCodesLeft: 10,
        lockedUntil: null,
        lockedAddresses: [],
        switchedOff: [],
        inviteExpiresAt: null,
      },
    ])
    expect(await tapgate(['user', 'list', '--search', 'zzz', '--config', config])).toEqual({
      code: 0,
      stdout: 'No user matches.\n',
      stderr: '',
    })
  })
})

describe('tapgate user show and history', () => {
  it("shows a user's factors and lockout, and their history newest first", async () => {
    const shown = await tapgate(['user', 'show', 'Demo', '--config', config])
    expect(shown).toMatchObject({ code: 0, stderr: '' })
    expect(shown.stdout).toBe(
      [
        'User:               demo',
        'Security keys:      None',
        'Authenticator app:  On',
        'Recovery codes:     10 left',
        'Locked out:         no',
        '',
      ].join('\n'),
    )

    const history = await tapgate(['user', 'history', 'demo', '--config', config])
    expect(history.code).toBe(0)
    const [header, ...rows] = history.stdout.trim().split('\n')
    expect(header).toMatch(/^TIME \(UTC\)\s+EVENT\s+FACTOR\s+RESULT\s+IP\s+ACTOR\s+REASON\s+USER AGENT$/)
    expect(rows.map((row) => row.split(/\s{2,}/).slice(1, 5))).toEqual([
      ['second_factor', 'totp', 'success', '127.0.0.1'],
      ['enrollment', 'totp', 'success', '127.0.0.1'],
      ['first_factor', 'password', 'success', '127.0.0.1'],
    ])

    const json = await tapgate(['user', 'history', 'demo', '--json', '--config', config])
    expect(JSON.parse(json.stdout)).toMatchObject([
      { event: 'second_factor', result: 'success', ip: '127.0.0.1' },
      { event: 'enrollment' },
      { event: 'first_factor' },
    ])
  })

  it('exits 1 with one line for an unknown user or a missing USER', async () => {
    expect(await tapgate(['user', 'show', 'nobody', '--config', config])).toEqual({
      code: 1,
      stdout: '',
      stderr: "tapgate: unknown user 'nobody' (no one of that name has signed in)\n",
    })
    expect(await tapgate(['user', 'history', '--config', config])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'tapgate: history needs a USER\n',
    })
  })
})

describe('tapgate user reset', () => {
  it('refuses without a reason and changes nothing', async () => {
    for (const args of [[], ['--reason', '  ']]) {
      expect(await tapgate(['user', 'reset', 'demo', ...args, '--config', config])).toEqual({
        code: 1,
        stdout: '',
        stderr: 'tapgate: reset needs --reason "…" (it goes into the user\'s history)\n',
      })
    }
    expect(await gateway.store.get(keys.totpSecret('demo'))).not.toBeNull()
    expect((await userBrowser.get('/dashboard')).status).toBe(200)
  })

  it("removes the factors and ends the user's open session on the running gateway, audited as the CLI user", async () => {
    expect((await userBrowser.get('/dashboard')).status).toBe(200)
    const reset = await tapgate(['user', 'reset', 'demo', '--reason', 'lost phone', '--config', config])
    expect(reset.code).toBe(0)
    expect(reset.stdout).toBe('demo: second factors removed; sessions and trusted devices revoked.\n')
    expect(logLines(reset.stderr)).toEqual([
      expect.objectContaining({ event: 'admin', result: 'reset', user: 'demo', actor, reason: 'lost phone' }),
    ])

    expect((await userBrowser.get('/dashboard')).headers.get('location')).toBe('/login')
    expect(await gateway.store.get(keys.totpSecret('demo'))).toBeNull()
    const history = JSON.parse(
      (await tapgate(['user', 'history', 'demo', '--json', '--config', config])).stdout,
    )
    expect(history[0]).toMatchObject({
      event: 'admin',
      result: 'reset',
      actor,
      reason: 'lost phone',
      ip: 'cli',
    })
    expect((await tapgate(['user', 'reset', 'nobody', '--reason', 'x', '--config', config])).code).toBe(1)
  })
})

describe('tapgate user unlock', () => {
  it('lifts a lockout the gateway imposed, so the user can sign in again', async () => {
    const from = (address: string) =>
      new BrowserClient(gateway.url, undefined, { 'x-forwarded-for': address })
    for (let attempt = 0; attempt < 5; attempt++) {
      await signInWithPassword(from('198.51.100.1'), 'demo', 'guess')
    }
    expect((await signInWithPassword(from('198.51.100.1'))).status).toBe(429)
    const locked = await tapgate(['user', 'show', 'demo', '--config', config])
    expect(locked.stdout).toMatch(
      /^Locked out at 198\.51\.100\.1: {2}until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/m,
    )

    const unlocked = await tapgate(['user', 'unlock', 'demo', '--reason', 'called them', '--config', config])
    expect(unlocked.code).toBe(0)
    expect(unlocked.stdout).toBe('demo: lockout lifted.\n')
    expect(logLines(unlocked.stderr)).toEqual([
      expect.objectContaining({ event: 'admin', result: 'unlocked', user: 'demo', actor }),
    ])
    expect((await tapgate(['user', 'show', 'demo', '--config', config])).stdout).toContain(
      'Locked out:         no\n',
    )
    expect((await signInWithPassword(from('198.51.100.1'))).headers.get('location')).toBe('/_tapgate/2fa')
  })
})

describe('tapgate user sign-out', () => {
  it("ends the user's sessions on the gateway and keeps their factors (issue 17)", async () => {
    expect((await userBrowser.get('/dashboard')).status).toBe(200)
    const signedOut = await tapgate([
      'user',
      'sign-out',
      'Demo',
      '--reason',
      'laptop stolen',
      '--config',
      config,
    ])
    expect(signedOut).toMatchObject({
      code: 0,
      stdout: 'demo: signed out everywhere; sessions and trusted devices ended, factors kept.\n',
    })
    expect(logLines(signedOut.stderr)).toEqual([
      expect.objectContaining({ event: 'admin', result: 'signed_out', user: 'demo', actor }),
    ])
    expect((await userBrowser.get('/dashboard')).headers.get('location')).toMatch(/^\/login/)
    expect((await tapgate(['user', 'show', 'demo', '--config', config])).stdout).toContain(
      'Authenticator app:  On\n',
    )
  })
})

describe('tapgate user show and unlock, for a user locked out before ever passing the password (issue 17)', () => {
  it('finds them by the lockout, while other commands still call them unknown', async () => {
    const from = new BrowserClient(gateway.url, undefined, { 'x-forwarded-for': '198.51.100.2' })
    for (let attempt = 0; attempt < 5; attempt++) await signInWithPassword(from, 'carol', 'guess')
    expect((await signInWithPassword(from, 'carol', 'guess')).status).toBe(429)

    const shown = await tapgate(['user', 'show', 'carol', '--config', config])
    expect(shown.code).toBe(0)
    expect(shown.stdout).toMatch(/^Locked out at 198\.51\.100\.2: {2}until /m)
    expect((await tapgate(['user', 'history', 'carol', '--config', config])).stderr).toBe(
      "tapgate: unknown user 'carol' (no one of that name has signed in)\n",
    )
    expect((await tapgate(['user', 'unlock', 'carol', '--config', config])).stdout).toBe(
      'carol: lockout lifted.\n',
    )
    // Unlocked, and never signed in: unknown again.
    expect((await tapgate(['user', 'show', 'carol', '--config', config])).code).toBe(1)
  })
})

describe('tapgate user invite', () => {
  it('prints a one-time enrollment code in invite mode, stored as a hash only', async () => {
    const issued = await tapgate(['user', 'invite', 'alice', '--config', inviteConfig])
    expect(issued.code).toBe(0)
    const match = /^Enrollment code for alice: ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\n/.exec(issued.stdout)
    const code = match?.[1] as string
    expect(code).toBeDefined()
    expect(issued.stdout).toMatch(/It works once, until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\./)
    expect(issued.stderr).not.toContain(code)
    expect(logLines(issued.stderr)).toEqual([
      expect.objectContaining({ event: 'admin', result: 'invite_issued', user: 'alice', actor }),
    ])
    expect(await gateway.store.get(keys.enrollmentInvite('alice'))).not.toContain(code.replaceAll('-', ''))
    expect((await tapgate(['user', 'show', 'alice', '--config', inviteConfig])).stdout).toMatch(
      /^Enrollment code: {4}outstanding until /m,
    )

    const invites = new EnrollmentInvites(gateway.store, gateway.clock, testEncryptionKey, 86_400_000)
    expect((await invites.redeem('alice', code)).ok).toBe(true)
    expect((await invites.redeem('alice', code)).ok).toBe(false)
  })

  it('refuses outside invite mode and for unknown users', async () => {
    expect(await tapgate(['user', 'invite', 'alice', '--config', config])).toEqual({
      code: 1,
      stdout: '',
      stderr: "tapgate: enrollment codes need 'enrollment.first_enrollment: invite' in the config\n",
    })
    const unknown = await tapgate(['user', 'invite', 'nobody', '--json', '--config', inviteConfig])
    expect(unknown).toMatchObject({ code: 1, stdout: '' })
  })
})

describe('tapgate user: configuration and usage errors', () => {
  it('uses ./tapgate.yaml when no config is named, and says so on stderr', async () => {
    const found = await inDirectory(dir, () => tapgate(['user', 'list'], { TAPGATE_CONFIG: '' }))
    expect(found).toMatchObject({ code: 0, stderr: 'tapgate: using tapgate.yaml\n' })
    expect(found.stdout).toMatch(/^demo\s+None\s+On/m)
  })

  it('exits 2 for a missing or bad config, and 1 with one line for a store that is not there', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tapgate-no-config-'))
    const noConfig = await inDirectory(empty, () => tapgate(['user', 'list'], { TAPGATE_CONFIG: '' }))
    expect(noConfig).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'tapgate: no config file: pass --config FILE, set TAPGATE_CONFIG, or put tapgate.yaml in this directory\n',
    })
    const bad = join(dir, 'bad.yaml')
    writeFileSync(
      bad,
      'public_url: http://localhost:3000\nupstream: {url: http://127.0.0.1:1}\nfirst_factor: {panel_cookies: [s]}\n',
    )
    expect(await tapgate(['user', 'list', '--config', bad])).toEqual({
      code: 2,
      stdout: '',
      stderr: `${bad}: 1 problem(s):\n  encryption_key: required (expected string)\n`,
    })
    const elsewhere = writeConfig('elsewhere.yaml', { store: { embedded_path: join(dir, 'missing.db') } })
    const missing = await tapgate(['user', 'list', '--config', elsewhere])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe(
      `tapgate: no store at ${join(dir, 'missing.db')}; has the gateway run with this config?\n`,
    )
  })

  it('exits 2 with the usage for an unknown command or option', async () => {
    for (const args of [['user'], ['user', 'delete', 'demo'], ['user', 'list', '--force']]) {
      const result = await tapgate([...args, '--config', config])
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr).toContain('Usage: tapgate user <command> [options]')
    }
  })
})

import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type DemoPanel, startDemoPanel } from '../../demo/panel.ts'
import { createRedisStore } from '../../gateway/store/redis-store.ts'
import { holdServingLock } from '../../gateway/store/sqlite-serving-lock.ts'
import { SqliteStore } from '../../gateway/store/sqlite-store.ts'
import type { StoreEntry } from '../../gateway/store/store-entry.ts'
import { BrowserClient, csrfTokenIn } from '../support/browser-client.ts'
import { tapgate, writeCliConfig } from '../support/cli.ts'
import { FixedClock } from '../support/clock.ts'
import { startTestGateway } from '../support/gateway.ts'
import { type RedisServer, startRedis } from '../support/redis.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import { totpCode } from '../support/totp-codes.ts'

/**
 * `tapgate store export` and `import` (issue 17): a user enrolled on the embedded store signs in on
 * Redis with the same authenticator app, and is not offered enrollment afresh, which is what
 * switching stores without moving would do to everyone.
 */
let panel: DemoPanel
let redis: RedisServer
let dir: string
let prefixes = 0

beforeAll(async () => {
  ;[panel, redis] = await Promise.all([startDemoPanel(), startRedis()])
})
afterAll(async () => {
  await Promise.all([panel.close(), redis.stop()])
})
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tapgate-store-move-'))
  return () => rm(dir, { recursive: true, force: true })
})

/** A CLI config naming a Redis store under a prefix of its own, remembered in its own identity file. */
function redisCliConfig(prefix: string, identityFile: string): string {
  return writeCliConfig(join(dir, `${prefix}.json`), join(dir, 'unused.db'), {
    store: { redis_url: redis.url, key_prefix: prefix, identity_file: identityFile },
  })
}

async function entriesOf(prefix: string): Promise<StoreEntry[]> {
  const store = createRedisStore(redis.url, prefix)
  try {
    const entries: StoreEntry[] = []
    for await (const entry of store.entries()) entries.push(entry)
    return entries
  } finally {
    await store.close()
  }
}

const exportHeader = (version: number) =>
  JSON.stringify({ format: 'tapgate-store-export', version, exported_at: new Date().toISOString() })

describe('moving from the embedded store to Redis', () => {
  it('keeps an enrolled user enrolled: password and a code from the same app sign in on Redis', async () => {
    const clock = new FixedClock()
    const sqlitePath = join(dir, 'tapgate.db')
    const sqliteSettings = { embedded_path: sqlitePath, identity_file: join(dir, 'sqlite.identity') }
    const source = await startTestGateway({
      upstreamUrl: panel.url,
      clock,
      store: new SqliteStore(sqlitePath, clock),
      config: { store: sqliteSettings },
    })
    const secret = await enrollTotp(new BrowserClient(source.url), clock)
    await source.close()

    const file = join(dir, 'moved.jsonl')
    const sqliteConfig = writeCliConfig(join(dir, 'sqlite.json'), sqlitePath, { store: sqliteSettings })
    const exported = await tapgate(['store', 'export', file, '--config', sqliteConfig])
    expect(exported).toMatchObject({ code: 0, stderr: '' })
    expect(exported.stdout).toMatch(/^Exported \d+ entries from the embedded store to .*moved\.jsonl\.\n$/)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const text = await readFile(file, 'utf8')
    expect(JSON.parse(text.split('\n')[0] ?? '')).toMatchObject({
      format: 'tapgate-store-export',
      version: 1,
    })
    // Sealed with encryption_key in the store, sealed in the file.
    expect(text).not.toContain(secret)
    expect(text).toContain('"key":"user:demo:totp"')

    // A gateway host that served another store before: the import makes its identity file agree.
    const prefix = `moved-${++prefixes}:`
    const targetIdentity = join(dir, 'redis.identity')
    await writeFile(targetIdentity, 'an-identity-of-some-other-store\n')
    const imported = await tapgate([
      'store',
      'import',
      file,
      '--config',
      redisCliConfig(prefix, targetIdentity),
    ])
    expect(imported).toMatchObject({ code: 0, stderr: '' })
    expect(imported.stdout).toMatch(/^Imported \d+ entries into the redis store; .*redis\.identity holds/)
    expect(await readFile(targetIdentity, 'utf8')).toBe(await readFile(sqliteSettings.identity_file, 'utf8'))

    clock.advance(30_000)
    const target = await startTestGateway({
      upstreamUrl: panel.url,
      clock,
      store: createRedisStore(redis.url, prefix, clock),
      config: { store: { redis_url: redis.url, key_prefix: prefix, identity_file: targetIdentity } },
    })
    try {
      const browser = new BrowserClient(target.url)
      const password = await signInWithPassword(browser)
      expect(password.headers.get('location')).toBe('/_tapgate/2fa')
      const page = await (await browser.get('/_tapgate/2fa')).text()
      const signedIn = await browser.postForm('/_tapgate/2fa', {
        csrf: csrfTokenIn(page),
        code: await totpCode(secret, clock),
      })
      expect(signedIn.headers.get('location')).toBe('/dashboard')
      expect((await browser.get('/dashboard')).status).toBe(200)
      const events = target.logs.map((line) => line.event)
      expect(events).not.toContain('store_replaced')
      expect(events).not.toContain('store_data_lost')
      // Enrollment stays offered on the moved store (its identity is the expected one).
      expect(await target.services.storeIdentity.isIntact()).toBe(true)
    } finally {
      await target.close()
    }
  })
})

describe('moving from Redis to the embedded store', () => {
  it('copies every key as it was, and refuses a file a gateway is serving', async () => {
    const prefix = `back-${++prefixes}:`
    const source = createRedisStore(redis.url, prefix)
    await source.set('user:demo:totp', 'sealed-secret')
    await source.set('session:abc', '{"user":"demo"}', 3_600_000)
    await source.addMember('users', 'demo')
    await source.addMember('user:demo:sessions', 'abc', 3_600_000)
    await source.pushCapped('user:demo:history', 'older', 10)
    await source.pushCapped('user:demo:history', 'newer', 10)
    await source.close()
    const file = join(dir, 'back.jsonl')
    const exported = await tapgate([
      'store',
      'export',
      file,
      '--config',
      redisCliConfig(prefix, join(dir, 'id')),
    ])
    expect(exported.stdout).toBe(`Exported 5 entries from the redis store to ${file}.\n`)

    const sqlitePath = join(dir, 'back.db')
    const sqliteConfig = writeCliConfig(join(dir, 'back.json'), sqlitePath)
    const serving = holdServingLock(sqlitePath)
    try {
      expect((await tapgate(['store', 'import', file, '--config', sqliteConfig])).stderr).toMatch(
        /^tapgate: the embedded store .* is in use by another tapgate process/,
      )
    } finally {
      serving.release()
    }
    const imported = await tapgate(['store', 'import', file, '--config', sqliteConfig])
    expect(imported).toMatchObject({ code: 0, stderr: '' })
    expect(imported.stdout).toMatch(/^Imported 5 entries into the embedded store; /)

    const target = new SqliteStore(sqlitePath)
    try {
      expect(await target.get('user:demo:totp')).toBe('sealed-secret')
      expect(await target.get('session:abc')).toBe('{"user":"demo"}')
      expect(await target.ttl('session:abc')).toBeGreaterThan(3_590_000)
      expect(await target.members('users')).toEqual(['demo'])
      expect(await target.members('user:demo:sessions')).toEqual(['abc'])
      expect(await target.recent('user:demo:history')).toEqual(['newer', 'older'])
      // The identity import gave the store (the source had none), and wrote to the config's file.
      expect(await target.get('meta:store-identity')).toBe(
        (await readFile(join(dir, 'tapgate.store-identity'), 'utf8')).trim(),
      )
    } finally {
      await target.close()
    }
  })
})

describe('tapgate store import refuses', () => {
  const oneEntry = (version: number) =>
    `${exportHeader(version)}\n${JSON.stringify({ key: 'user:demo:totp', kind: 'value', value: 'sealed', ttlMs: null })}\n`

  it('a store that holds anything, and changes nothing in it', async () => {
    const prefix = `busy-${++prefixes}:`
    const busy = createRedisStore(redis.url, prefix)
    await busy.set('user:alice:known', '1')
    await busy.close()
    const file = join(dir, 'export.jsonl')
    await writeFile(file, oneEntry(1))
    const identityFile = join(dir, 'busy.identity')

    const refused = await tapgate(['store', 'import', file, '--config', redisCliConfig(prefix, identityFile)])
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'tapgate: the redis store is not empty; import only into an empty store (nothing was written)\n',
    })
    expect(await entriesOf(prefix)).toEqual([
      { key: 'user:alice:known', kind: 'value', value: '1', ttlMs: null },
    ])
    await expect(stat(identityFile)).rejects.toThrow(/ENOENT/)
  })

  it('a file of another format version, before touching the store', async () => {
    const prefix = `versioned-${++prefixes}:`
    const file = join(dir, 'future.jsonl')
    await writeFile(file, oneEntry(2))
    const refused = await tapgate([
      'store',
      'import',
      file,
      '--config',
      redisCliConfig(prefix, join(dir, 'id')),
    ])
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr: `tapgate: ${file} is a store export of format version 2; this tapgate reads version 1\n`,
    })
    expect(await entriesOf(prefix)).toEqual([])
  })

  it('a file that is not an export, or has a line that is no entry', async () => {
    const prefix = `garbled-${++prefixes}:`
    const config = redisCliConfig(prefix, join(dir, 'id'))
    const file = join(dir, 'garbled.jsonl')
    await writeFile(file, 'user:demo:totp sealed\n')
    expect((await tapgate(['store', 'import', file, '--config', config])).stderr).toBe(
      `tapgate: ${file} is not a tapgate store export (its first line is no export header)\n`,
    )
    await writeFile(file, `${oneEntry(1)}{"key":"k","kind":"value","value":"v","ttlMs":-5}\n`)
    expect(await tapgate(['store', 'import', file, '--config', config])).toEqual({
      code: 1,
      stdout: '',
      stderr: `tapgate: ${file} line 3 is not a store entry, or repeats a key\n`,
    })
    expect(await entriesOf(prefix)).toEqual([])
  })
})

describe('tapgate store export', () => {
  it('never writes over an existing file, and needs FILE', async () => {
    const prefix = `source-${++prefixes}:`
    const config = redisCliConfig(prefix, join(dir, 'id'))
    const file = join(dir, 'exists.jsonl')
    await writeFile(file, 'keep me')
    expect(await tapgate(['store', 'export', file, '--config', config])).toEqual({
      code: 1,
      stdout: '',
      stderr: `tapgate: ${file} exists already; export to a new file\n`,
    })
    expect(await readFile(file, 'utf8')).toBe('keep me')
    expect((await tapgate(['store', 'export', '--config', config])).code).toBe(2)
  })
})

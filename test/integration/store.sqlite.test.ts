import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { main } from '../../gateway/cli/commands.ts'
import { userCommand } from '../../gateway/cli/user-commands.ts'
import { holdServingLock } from '../../gateway/store/sqlite-serving-lock.ts'
import { describeStoreContract } from '../contract/store.contract.ts'
import { freePort } from '../support/free-port.ts'
import { testEncryptionKey } from '../support/gateway.ts'
import { startGatewayProcess } from '../support/gateway-process.ts'
import { tempSqliteStore } from '../support/temp-sqlite-store.ts'

class FakeClock {
  #now = Date.UTC(2030, 0, 1)
  now(): number {
    return this.#now
  }
  advance(ms: number): void {
    this.#now += ms
  }
}

describeStoreContract('SQLite', async () => {
  const clock = new FakeClock()
  const { store } = tempSqliteStore(clock)
  return { store, advance: async (ms) => clock.advance(ms), cleanup: () => store.close() }
})

describe('SqliteStore', () => {
  let clock: FakeClock

  beforeEach(() => {
    clock = new FakeClock()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('keeps its data across close and reopen', async () => {
    const { store: first, reopen } = tempSqliteStore(clock)
    await first.set('enrolment', 'sealed-seed')
    await first.set('session', 'alice', 60_000)
    await first.increment('failures', 60_000)
    await first.close()

    const second = reopen()
    expect(await second.get('enrolment')).toBe('sealed-seed')
    expect(await second.get('session')).toBe('alice')
    expect(await second.ttl('session')).toBe(60_000)
    expect(await second.increment('failures', 60_000)).toBe(2)
  })

  it('expires a value exactly when its ttl has passed', async () => {
    const { store } = tempSqliteStore(clock)
    await store.set('k', 'v', 1_000)
    clock.advance(999)
    expect(await store.get('k')).toBe('v')
    expect(await store.ttl('k')).toBe(1)
    clock.advance(1)
    expect(await store.get('k')).toBeNull()
    expect(await store.ttl('k')).toBeNull()
    expect(await store.setIfAbsent('k', 'w')).toBe(true)
  })

  it('purges expired rows in the background', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const { store, path } = tempSqliteStore(clock)
    const reader = new Database(path, { readonly: true })
    const rows = () => reader.prepare<[], string>('SELECT key FROM entries ORDER BY key').pluck().all()
    try {
      await store.set('expiring', 'v', 10)
      await store.set('persistent', 'v')
      clock.advance(10)
      expect(rows()).toEqual(['expiring', 'persistent'])
      vi.advanceTimersByTime(60_000)
      expect(rows()).toEqual(['persistent'])
    } finally {
      reader.close()
      await store.close()
    }
    expect(vi.getTimerCount()).toBe(0)
  })

  it('creates its file, and the dirs missing on its path, readable by its own user only', async () => {
    const { path } = tempSqliteStore(clock, 'nested/state.db')
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect((await stat(dirname(path))).mode & 0o777).toBe(0o700)
  })
})

describe('tapgate serve on the embedded store', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tapgate-sqlite-serve-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  /** A gateway on its own port, on the shared file: what a second `tapgate serve` by mistake looks like. */
  const serving = async (storePath: string) =>
    [
      `listen: 127.0.0.1:${await freePort()}`,
      'public_url: http://127.0.0.1:1',
      "upstream: { url: 'http://127.0.0.1:1' }",
      'first_factor: { panel_cookies: [session] }',
      `encryption_key: ${testEncryptionKey}`,
      `store: { embedded_path: '${storePath}' }`,
    ].join('\n')

  it('refuses a second process on the same file in one line, and leaves the file to the admin CLI', async () => {
    const storePath = join(dir, 'shared.db')
    const first = await startGatewayProcess(await serving(storePath))
    try {
      // The second `tapgate serve` is this test's own process, on another port.
      const config = join(dir, 'second.yaml')
      await writeFile(config, await serving(storePath))
      const complained = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
      try {
        expect(await main(['serve', '--config', config])).toBe(1)
        expect(complained.mock.calls).toEqual([
          [
            `tapgate: the embedded store ${storePath} is in use by another tapgate process; ` +
              'one SQLite file serves one gateway (run several on Redis)\n',
          ],
        ])
      } finally {
        complained.mockRestore()
      }
      // `tapgate user …` still reads and writes the store beside the running gateway.
      const said = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
      try {
        expect(await userCommand(['list', '--config', config])).toBe(0)
        expect(said).toHaveBeenCalledWith('No users yet.\n')
      } finally {
        said.mockRestore()
      }
    } finally {
      await first.stop('SIGKILL')
    }
    // A gateway that crashed leaves no lock behind: the operating system drops it with the process.
    holdServingLock(storePath).release()
  })
})

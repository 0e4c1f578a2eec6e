import { mkdtempSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import type { Clock } from '../../gateway/deps.ts'
import { SqliteStore } from '../../gateway/store/sqlite-store.ts'

export interface TempSqliteStore {
  store: SqliteStore
  /** The database file, for a test that reads it raw or hands it to the CLI. */
  path: string
  /** The temp dir that holds it, with room for the test's config and identity files. */
  dir: string
  /** Another store on the same file, as a restarted gateway opens it. */
  reopen(): SqliteStore
}

/**
 * An empty SqliteStore on a file in a new temp dir, reading time from `clock` (the real time without
 * one). `file` is the file's path in that dir. Call it in a test or a beforeEach: when the test has
 * finished (after its afterEach hooks), every store opened on the file is closed and the dir removed.
 */
export function tempSqliteStore(clock?: Clock, file = 'state.db'): TempSqliteStore {
  const dir = mkdtempSync(join(tmpdir(), 'tapgate-sqlite-'))
  const path = join(dir, file)
  const opened: SqliteStore[] = []
  onTestFinished(async () => {
    // A store a test already closed (or a gateway closed for it) closes again as a no-op.
    await Promise.all(opened.map((store) => store.close()))
    await rm(dir, { recursive: true, force: true })
  })
  const open = () => {
    const store = new SqliteStore(path, clock)
    opened.push(store)
    return store
  }
  return { store: open(), path, dir, reopen: open }
}

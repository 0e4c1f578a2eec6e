import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'

/** Another process already serves from this embedded store. */
export class EmbeddedStoreInUseError extends Error {
  override name = 'EmbeddedStoreInUseError'
  constructor(readonly path: string) {
    super(
      `the embedded store ${path} is in use by another tapgate process; ` +
        'one SQLite file serves one gateway (run several on Redis)',
    )
  }
}

export interface ServingLock {
  release(): void
}

/**
 * Taken by `tapgate serve` on the embedded store: two gateways on one SQLite file would each trust
 * their own view of state (the identity marker, in-memory checks) while writing the same file.
 * The lock is SQLite's own exclusive file lock on `<path>.lock`, so the operating system drops it when
 * the process dies; the store itself stays open to `tapgate user …` while the gateway runs.
 */
export function holdServingLock(storePath: string): ServingLock {
  const lockPath = `${storePath}.lock`
  mkdirSync(dirname(lockPath), { recursive: true, mode: 0o700 })
  closeSync(openSync(lockPath, 'a', 0o600))
  // No busy timeout: a held lock is an answer, not something to wait for.
  const db = new Database(lockPath, { timeout: 0 })
  try {
    db.pragma('journal_mode = OFF')
    // In exclusive mode the lock a write takes is kept until the connection closes.
    db.pragma('locking_mode = EXCLUSIVE')
    db.exec('CREATE TABLE IF NOT EXISTS serving (pid INTEGER NOT NULL)')
    db.prepare('DELETE FROM serving').run()
    db.prepare('INSERT INTO serving (pid) VALUES (?)').run(process.pid)
  } catch (error) {
    db.close()
    if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY')) {
      throw new EmbeddedStoreInUseError(storePath)
    }
    throw error
  }
  return { release: () => db.close() }
}

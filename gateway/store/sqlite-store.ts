import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { checkMaxLength, StoreUnavailableError } from './store.ts'
import { byMember, type MovableStore, restoreEntry, type StoreEntry } from './store-entry.ts'
import { checkTtl } from './ttl.ts'

const PURGE_INTERVAL_MS = 60_000

import { type Clock, systemClock } from '../deps.ts'

// A row whose expires_at has passed is absent to every read; the purge only reclaims space.
const LIVE_ROW = '(expires_at IS NULL OR expires_at > @now)'

/** The embedded store for a single node: one SQLite file in WAL mode, synced on every commit. */
export class SqliteStore implements MovableStore {
  readonly #db: Database.Database
  readonly #clock: Clock
  readonly #purgeTimer: NodeJS.Timeout
  readonly #statements: ReturnType<typeof prepareStatements>
  readonly #transactions: ReturnType<typeof prepareTransactions>

  constructor(path: string, clock: Clock = systemClock) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    // Created here so it is private to the gateway's user; SQLite gives its -wal and -shm files the
    // same mode.
    closeSync(openSync(path, 'a', 0o600))
    this.#db = new Database(path)
    this.#db.pragma('journal_mode = WAL')
    // WAL's default (NORMAL) may lose the last commits on power loss; enrolment data must not vanish.
    this.#db.pragma('synchronous = FULL')
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER);
      CREATE INDEX IF NOT EXISTS entries_expires_at ON entries (expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE IF NOT EXISTS members (
        key TEXT NOT NULL, member TEXT NOT NULL, expires_at INTEGER, PRIMARY KEY (key, member)
      );
      CREATE INDEX IF NOT EXISTS members_expires_at ON members (expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE IF NOT EXISTS list_items (
        key TEXT NOT NULL, seq INTEGER PRIMARY KEY AUTOINCREMENT, value TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS list_items_key_seq ON list_items (key, seq);
    `)
    this.#clock = clock
    this.#statements = prepareStatements(this.#db)
    this.#transactions = prepareTransactions(this.#db, this.#statements)
    this.#purgeTimer = setInterval(() => this.#purgeExpired(), PURGE_INTERVAL_MS).unref()
  }

  async get(key: string): Promise<string | null> {
    return this.#run(() => this.#statements.get.get({ key, now: this.#clock.now() }) ?? null)
  }

  /** No copy is kept: reading the file is as cheap, and the CLI changes it from another process. */
  async getParsed<T>(key: string, parse: (text: string) => T | null): Promise<T | null> {
    const text = await this.get(key)
    return text === null ? null : parse(text)
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const expiresAt = this.#expiresAt(ttlMs)
    this.#run(() => this.#statements.set.run({ key, value, expiresAt }))
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const expiresAt = this.#expiresAt(ttlMs)
    const now = this.#clock.now()
    return this.#run(() => this.#statements.setIfAbsent.run({ key, value, expiresAt, now }).changes === 1)
  }

  async take(key: string): Promise<string | null> {
    const now = this.#clock.now()
    // One DELETE … RETURNING statement is atomic; an expired row is deleted and reported absent.
    const row = this.#run(() => this.#statements.take.get({ key }))
    if (!row || (row.expires_at !== null && row.expires_at <= now)) return null
    return row.value
  }

  async delete(key: string): Promise<void> {
    this.#run(() => this.#transactions.delete({ key }))
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const now = this.#clock.now()
    const expiresAt = now + checkTtl(ttlMs)
    const count = this.#run(() => this.#statements.increment.get({ key, expiresAt, now }))
    if (count === undefined) throw new Error('increment returned no row')
    return Number(count)
  }

  async ttl(key: string): Promise<number | null> {
    const now = this.#clock.now()
    const row = this.#run(() => this.#statements.expiresAt.get({ key, now }))
    if (row === undefined || row.expires_at === null) return null
    return row.expires_at - now
  }

  async addMember(key: string, member: string, ttlMs?: number): Promise<void> {
    const expiresAt = this.#expiresAt(ttlMs)
    this.#run(() => this.#statements.addMember.run({ key, member, expiresAt }))
  }

  async removeMember(key: string, member: string): Promise<void> {
    this.#run(() => this.#statements.removeMember.run({ key, member }))
  }

  async members(key: string): Promise<string[]> {
    const live = this.#run(() => this.#statements.members.all({ key, now: this.#clock.now() }))
    // In JS, not ORDER BY: SQLite compares UTF-8 bytes, which differs from code-unit order above U+FFFF.
    return live.sort()
  }

  async pushCapped(key: string, value: string, maxLength: number): Promise<void> {
    const keep = checkMaxLength(maxLength)
    this.#run(() => this.#transactions.pushCapped({ key, value, keep }))
  }

  async recent(key: string): Promise<string[]> {
    return this.#run(() => this.#statements.recent.all({ key }))
  }

  async *entries(): AsyncIterable<StoreEntry> {
    const now = this.#clock.now()
    // One read transaction: the three tables as of one moment.
    const { values, members, listItems } = this.#run(() => this.#transactions.snapshot({ now }))
    const remaining = (expiresAt: number | null) => (expiresAt === null ? null : expiresAt - now)
    for (const row of values) {
      yield { key: row.key, kind: 'value', value: row.value, ttlMs: remaining(row.expires_at) }
    }
    for (const [key, rows] of groupByKey(members)) {
      const live = rows.map((row) => ({ member: row.member, ttlMs: remaining(row.expires_at) }))
      yield { key, kind: 'members', members: live.sort(byMember) }
    }
    for (const [key, rows] of groupByKey(listItems)) {
      yield { key, kind: 'list', values: rows.map((row) => row.value) }
    }
  }

  restore(entry: StoreEntry): Promise<void> {
    return restoreEntry(this, entry)
  }

  async ping(): Promise<void> {
    this.#run(() => this.#statements.ping.get())
  }

  async close(): Promise<void> {
    clearInterval(this.#purgeTimer)
    if (this.#db.open) this.#db.close()
  }

  #purgeExpired(): void {
    try {
      this.#transactions.purge({ now: this.#clock.now() })
    } catch {
      // A busy or failing file is retried on the next tick; every read already hides expired rows.
    }
  }

  #expiresAt(ttlMs: number | undefined): number | null {
    return ttlMs === undefined ? null : this.#clock.now() + checkTtl(ttlMs)
  }

  #run<T>(statement: () => T): T {
    try {
      return statement()
    } catch (error) {
      if (error instanceof Database.SqliteError) {
        throw new StoreUnavailableError(`SQLite store failed: ${error.code}`, { cause: error })
      }
      throw error
    }
  }
}

type Row = { value: string; expires_at: number | null }

/** Rows ordered by key, as runs of one key each. */
function groupByKey<R extends { key: string }>(rows: R[]): Map<string, R[]> {
  const groups = new Map<string, R[]>()
  for (const row of rows) {
    const group = groups.get(row.key)
    if (group === undefined) groups.set(row.key, [row])
    else group.push(row)
  }
  return groups
}

function prepareStatements(db: Database.Database) {
  return {
    get: db
      .prepare<{ key: string; now: number }, string>(
        `SELECT value FROM entries WHERE key = @key AND ${LIVE_ROW}`,
      )
      .pluck(),
    set: db.prepare<{ key: string; value: string; expiresAt: number | null }>(
      `INSERT INTO entries (key, value, expires_at) VALUES (@key, @value, @expiresAt)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
    ),
    // The conflict branch writes only over an expired row, so changes is 1 exactly when this call wrote.
    setIfAbsent: db.prepare<{ key: string; value: string; expiresAt: number | null; now: number }>(
      `INSERT INTO entries (key, value, expires_at) VALUES (@key, @value, @expiresAt)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
       WHERE NOT ${LIVE_ROW}`,
    ),
    take: db.prepare<{ key: string }, Row>(
      'DELETE FROM entries WHERE key = @key RETURNING value, expires_at',
    ),
    delete: db.prepare<{ key: string }>('DELETE FROM entries WHERE key = @key'),
    deleteMembers: db.prepare<{ key: string }>('DELETE FROM members WHERE key = @key'),
    deleteList: db.prepare<{ key: string }>('DELETE FROM list_items WHERE key = @key'),
    // An expired counter restarts at 1 with a new expiry; a LIVE_ROW one keeps its expiry.
    increment: db
      .prepare<{ key: string; expiresAt: number; now: number }, string>(
        `INSERT INTO entries (key, value, expires_at) VALUES (@key, '1', @expiresAt)
         ON CONFLICT (key) DO UPDATE SET
           value = CASE WHEN ${LIVE_ROW} THEN CAST(value AS INTEGER) + 1 ELSE '1' END,
           expires_at = CASE WHEN ${LIVE_ROW} THEN expires_at ELSE excluded.expires_at END
         RETURNING value`,
      )
      .pluck(),
    expiresAt: db.prepare<{ key: string; now: number }, Pick<Row, 'expires_at'>>(
      `SELECT expires_at FROM entries WHERE key = @key AND ${LIVE_ROW}`,
    ),
    purge: db.prepare<{ now: number }>('DELETE FROM entries WHERE expires_at <= @now'),
    purgeMembers: db.prepare<{ now: number }>('DELETE FROM members WHERE expires_at <= @now'),
    addMember: db.prepare<{ key: string; member: string; expiresAt: number | null }>(
      `INSERT INTO members (key, member, expires_at) VALUES (@key, @member, @expiresAt)
       ON CONFLICT (key, member) DO UPDATE SET expires_at = excluded.expires_at`,
    ),
    removeMember: db.prepare<{ key: string; member: string }>(
      'DELETE FROM members WHERE key = @key AND member = @member',
    ),
    members: db
      .prepare<{ key: string; now: number }, string>(
        `SELECT member FROM members WHERE key = @key AND ${LIVE_ROW}`,
      )
      .pluck(),
    push: db.prepare<{ key: string; value: string }>(
      'INSERT INTO list_items (key, value) VALUES (@key, @value)',
    ),
    // Everything at or below the (keep + 1)-th newest seq goes; with fewer items the bound is NULL.
    trim: db.prepare<{ key: string; keep: number }>(
      `DELETE FROM list_items WHERE key = @key AND seq <= (
         SELECT seq FROM list_items WHERE key = @key ORDER BY seq DESC LIMIT 1 OFFSET @keep
       )`,
    ),
    recent: db
      .prepare<{ key: string }, string>('SELECT value FROM list_items WHERE key = @key ORDER BY seq DESC')
      .pluck(),
    allValues: db.prepare<{ now: number }, Row & { key: string }>(
      `SELECT key, value, expires_at FROM entries WHERE ${LIVE_ROW} ORDER BY key`,
    ),
    allMembers: db.prepare<{ now: number }, { key: string; member: string; expires_at: number | null }>(
      `SELECT key, member, expires_at FROM members WHERE ${LIVE_ROW} ORDER BY key, member`,
    ),
    allListItems: db.prepare<[], { key: string; value: string }>(
      'SELECT key, value FROM list_items ORDER BY key, seq DESC',
    ),
    ping: db.prepare('SELECT 1'),
  }
}

function prepareTransactions(db: Database.Database, statements: ReturnType<typeof prepareStatements>) {
  return {
    // A key holds one kind of value, but delete need not know which.
    delete: db.transaction((params: { key: string }) => {
      statements.delete.run(params)
      statements.deleteMembers.run(params)
      statements.deleteList.run(params)
    }),
    pushCapped: db.transaction(({ key, value, keep }: { key: string; value: string; keep: number }) => {
      statements.push.run({ key, value })
      statements.trim.run({ key, keep })
    }),
    snapshot: db.transaction((params: { now: number }) => ({
      values: statements.allValues.all(params),
      members: statements.allMembers.all(params),
      listItems: statements.allListItems.all(),
    })),
    purge: db.transaction((params: { now: number }) => {
      statements.purge.run(params)
      statements.purgeMembers.run(params)
    }),
  }
}

/**
 * The one storage interface tapgate needs: a key-value map with per-key expiry, plus the two
 * atomic operations that single-use secrets and counters depend on. Redis serves every
 * multi-instance deployment; the embedded SQLite file serves a single node. Both pass
 * test/contract/store.contract.ts.
 *
 * Every method rejects when the backing store is unreachable; callers fail closed.
 * A `ttlMs` of undefined means "keep until deleted".
 */
export interface Store {
  get(key: string): Promise<string | null>
  set(key: string, value: string, ttlMs?: number): Promise<void>
  /** Writes only when the key is absent (or expired); true when this call wrote it. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>
  /** Reads and deletes in one atomic step: of two concurrent takes, at most one sees the value. */
  take(key: string): Promise<string | null>
  delete(key: string): Promise<void>
  /** Adds 1 and returns the new count; the expiry is set when the key is created and never extended. */
  increment(key: string, ttlMs: number): Promise<number>
  /** Remaining lifetime in ms; null when the key is absent or never expires. */
  ttl(key: string): Promise<number | null>
  /** Resolves when the store answers; rejects otherwise. */
  ping(): Promise<void>
  close(): Promise<void>
}

export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError'
}

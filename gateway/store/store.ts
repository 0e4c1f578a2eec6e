/**
 * The one storage interface tapgate needs: a key-value map with per-key expiry, plus the two
 * atomic operations that single-use secrets and counters depend on. Two small structures sit
 * beside it: member sets whose members expire one by one, for indexes (a user's sessions and
 * trusted devices, the directory of known users), and capped lists, newest first, for history
 * (recent sign-ins). Redis serves every multi-instance deployment; the embedded SQLite file
 * serves a single node. Both pass test/contract/store.contract.ts.
 *
 * A key names one kind of value at a time; `delete` removes it whatever its kind.
 * Every method rejects when the backing store is unreachable; callers fail closed.
 * A `ttlMs` of undefined means "keep until deleted".
 */
export interface Store {
  get(key: string): Promise<string | null>
  /**
   * A value read and parsed, for values read far more often than written (sessions): a store may
   * keep the parsed copy, provided any change to the key, by any client, drops it first
   * (store/tracked-reads.ts). A copy is shared: callers must not change it.
   */
  getParsed<T>(key: string, parse: (text: string) => T | null): Promise<T | null>
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
  /** Adds a member or re-adds it with a new expiry (replacing the old one). */
  addMember(key: string, member: string, ttlMs?: number): Promise<void>
  removeMember(key: string, member: string): Promise<void>
  /** The live members in ascending code-unit order; [] when there are none. */
  members(key: string): Promise<string[]>
  /** Prepends a value, then drops the oldest beyond `maxLength` (a positive integer, else TypeError). */
  pushCapped(key: string, value: string, maxLength: number): Promise<void>
  /** Every value of the list, newest first; [] when there are none. */
  recent(key: string): Promise<string[]>
  /** Resolves when the store answers; rejects otherwise. */
  ping(): Promise<void>
  close(): Promise<void>
}

export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError'
}

/** Checks a capped list's length before it reaches a backend; a bad length is the caller's bug. */
export function checkMaxLength(maxLength: number): number {
  if (!Number.isSafeInteger(maxLength) || maxLength <= 0) {
    throw new TypeError(`maxLength must be a positive integer, got ${maxLength}`)
  }
  return maxLength
}

/**
 * Checks a lifetime before it reaches a backend. Redis rejects PX 0 and fractions while SQLite
 * would store them, so both stores check here and behave alike; a bad ttl is the caller's bug.
 */
export function checkTtl(ttlMs: number): number {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`)
  }
  return ttlMs
}

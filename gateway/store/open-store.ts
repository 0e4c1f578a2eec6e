import { createRedisStore } from './redis-store.ts'
import { SqliteStore } from './sqlite-store.ts'
import type { Store } from './store.ts'

export type StoreOptions = {
  /** When set, state lives in Redis and any number of gateways can share it. */
  redisUrl?: string
  /** The SQLite file used when no Redis is configured (single node). */
  embeddedPath: string
  /** Prepended to every Redis key; the SQLite file is the gateway's own and needs none. */
  keyPrefix: string
}

export function openStore(options: StoreOptions): Store {
  // An empty URL is a configuration mistake, not "no Redis": falling back to a per-node file would
  // split state between gateway instances, so it goes to createRedisStore, which rejects it.
  if (options.redisUrl !== undefined) return createRedisStore(options.redisUrl, options.keyPrefix)
  return new SqliteStore(options.embeddedPath)
}

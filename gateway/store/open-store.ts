import { parseHostPort, parseRedisUrl } from '../config/redis-address.ts'
import type { Config } from '../config/schema.ts'
import { tlsClientOptions } from '../config/tls-client.ts'
import { type Clock, systemClock } from '../deps.ts'
import type { RedisConnection } from './redis-connection.ts'
import { createRedisStore } from './redis-store.ts'
import { SqliteStore } from './sqlite-store.ts'
import type { MovableStore } from './store-entry.ts'

export type StoreConfig = Config['store']

/** Redis when the config names one (any number of gateways can share it), else the embedded file. */
export function openStore(config: StoreConfig, clock: Clock = systemClock): MovableStore {
  const connection = redisConnection(config)
  if (connection === null) return new SqliteStore(config.embedded_path, clock)
  return createRedisStore(connection, config.key_prefix, clock)
}

/** Which store the config names, for the start-up log and the CLI; nothing secret. */
export function storeKind(config: StoreConfig): 'embedded' | 'redis' | 'redis-sentinel' | 'redis-cluster' {
  if (config.redis_url !== undefined) return 'redis'
  if (config.sentinels !== undefined) return 'redis-sentinel'
  if (config.cluster_nodes !== undefined) return 'redis-cluster'
  return 'embedded'
}

// The schema (gateway/config/schema.ts) has checked the combination: one shape, credentials in one
// place, and rediss:// wherever a tls key is given.
function redisConnection(config: StoreConfig): RedisConnection | null {
  const credentials = {
    ...(config.username !== undefined && { username: config.username }),
    ...(config.password !== undefined && { password: config.password }),
  }
  if (config.redis_url !== undefined) {
    const server = parseRedisUrl(config.redis_url)
    return {
      ...server,
      ...credentials,
      ...(server.tls && { tls: tlsClientOptions(config.tls, 'store.tls') }),
    }
  }
  if (config.sentinels !== undefined) {
    if (config.sentinel_name === undefined) {
      throw new TypeError('store.sentinel_name is required with sentinels')
    }
    return {
      kind: 'sentinel',
      sentinels: config.sentinels.map((sentinel) => parseHostPort(sentinel)),
      name: config.sentinel_name,
      sentinelPassword: config.sentinel_password,
      ...credentials,
      ...(config.tls && { tls: tlsClientOptions(config.tls, 'store.tls') }),
    }
  }
  if (config.cluster_nodes !== undefined) {
    const nodes = config.cluster_nodes.map((node) => parseRedisUrl(node))
    return {
      kind: 'cluster',
      nodes: nodes.map(({ host, port }) => ({ host, port })),
      ...credentials,
      ...(nodes.some((node) => node.tls) && { tls: tlsClientOptions(config.tls, 'store.tls') }),
    }
  }
  return null
}

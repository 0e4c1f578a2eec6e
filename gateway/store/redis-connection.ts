import type { ConnectionOptions } from 'node:tls'
import { Cluster, Redis, type RedisOptions } from 'ioredis'

export const CONNECT_TIMEOUT_MS = 2_000
const COMMAND_TIMEOUT_MS = 2_000
const MAX_RECONNECT_DELAY_MS = 2_000

export type HostPort = { host: string; port: number }

/** How to reach Redis: one server, the master a group of Sentinels names, or a Cluster. */
export type RedisConnection = (
  | { kind: 'standalone'; host: string; port: number; db: number }
  | { kind: 'sentinel'; sentinels: HostPort[]; name: string; sentinelPassword?: string }
  /** A few nodes of the Cluster; the others are discovered. */
  | { kind: 'cluster'; nodes: HostPort[] }
) & {
  username?: string
  password?: string
  /** TLS on every connection, Sentinels included, when present. */
  tls?: ConnectionOptions
}

/**
 * An ioredis client that fails fast: while Redis is down every command rejects within about two
 * seconds instead of queueing, and the client keeps reconnecting in the background. With a Cluster
 * each node gets the same settings; commands issued in one event-loop turn (many requests' session
 * reads) share one write per node.
 */
export function connectRedis(connection: RedisConnection): Redis | Cluster {
  const perConnection = {
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    username: connection.username,
    password: connection.password,
    tls: connection.tls,
    // A master demoted by a failover answers writes with READONLY; reconnecting finds the new one.
    reconnectOnError: (error: Error) => error.message.startsWith('READONLY'),
  } satisfies RedisOptions
  const client = createClient(connection, perConnection)
  // Without a listener ioredis prints every failed reconnect (a Cluster would even throw); callers
  // learn of the outage from the StoreUnavailableError each command rejects with.
  client.on('error', () => {})
  return client
}

function createClient(connection: RedisConnection, perConnection: RedisOptions): Redis | Cluster {
  const client = {
    enableOfflineQueue: false,
    enableAutoPipelining: true,
  } satisfies RedisOptions
  switch (connection.kind) {
    case 'standalone':
      return new Redis({
        ...perConnection,
        ...client,
        host: connection.host,
        port: connection.port,
        db: connection.db,
        retryStrategy: reconnectDelay,
      })
    case 'sentinel':
      return new Redis({
        ...perConnection,
        ...client,
        sentinels: connection.sentinels,
        name: connection.name,
        sentinelPassword: connection.sentinelPassword,
        enableTLSForSentinelMode: connection.tls !== undefined,
        sentinelTLS: connection.tls,
        sentinelCommandTimeout: COMMAND_TIMEOUT_MS,
        sentinelRetryStrategy: reconnectDelay,
        // Subscribes to the Sentinels' +switch-master, so a failover is followed at once.
        failoverDetector: true,
        retryStrategy: reconnectDelay,
      })
    case 'cluster':
      return new Cluster(connection.nodes, {
        ...client,
        clusterRetryStrategy: reconnectDelay,
        redisOptions: perConnection,
      })
  }
}

function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS)
}

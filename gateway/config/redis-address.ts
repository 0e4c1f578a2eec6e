import type { HostPort, RedisConnection } from '../store/redis-connection.ts'

const DEFAULT_PORT = 6379

type Standalone = RedisConnection & { kind: 'standalone' }

/**
 * Reads a redis:// or rediss:// URL (user, password and database number included) into a
 * standalone connection; rediss:// turns TLS on. The URL is a secret, so errors never repeat it. A
 * query string is refused rather than handed to ioredis, where it could override the fail-fast
 * options of gateway/store/redis-connection.ts.
 */
export function parseRedisUrl(url: string): Standalone {
  const parsed = readRedisUrl(url)
  if (parsed === null) {
    throw new TypeError(
      'The Redis URL must start with redis:// or rediss://, name a host, and may name a database (/0), with no query string',
    )
  }
  return parsed
}

/** As parseRedisUrl, but null for a URL it refuses. */
export function readRedisUrl(url: string): Standalone | null {
  const parsed = URL.canParse(url) ? new URL(url) : null
  if (parsed === null || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) return null
  const db = /^\/?(\d*)$/.exec(parsed.pathname)
  if (parsed.hostname === '' || parsed.search !== '' || parsed.hash !== '' || db === null) return null
  return {
    kind: 'standalone',
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? DEFAULT_PORT : Number(parsed.port),
    db: Number(db[1] || 0),
    ...(parsed.username !== '' && { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password !== '' && { password: decodeURIComponent(parsed.password) }),
    ...(parsed.protocol === 'rediss:' && { tls: {} }),
  }
}

/** 'host:port' (an IPv6 host in brackets) with an explicit port. */
export function parseHostPort(value: string): HostPort {
  const parsed = readHostPort(value)
  if (parsed === null) throw new TypeError(`expected 'host:port', got '${value}'`)
  return parsed
}

/** As parseHostPort, but null for a value it refuses. */
export function readHostPort(value: string): HostPort | null {
  if (!/^[^@/?#]+:\d+$/.test(value) || !URL.canParse(`redis://${value}`)) return null
  const { hostname, port } = new URL(`redis://${value}`)
  if (hostname === '' || Number(port) === 0) return null
  return { host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) }
}

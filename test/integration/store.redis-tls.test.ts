import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Store, StoreUnavailableError } from '../../gateway/store/store.ts'
import { describeStoreContract } from '../contract/store.contract.ts'
import { type RedisServer, startRedis } from '../support/redis.ts'
import { type RedisCluster, startRedisCluster } from '../support/redis-cluster.ts'
import { type SentinelGroup, startSentinelGroup } from '../support/redis-sentinel.ts'
import { openConfiguredStore } from '../support/store-config.ts'
import { clientTls, makeTlsFiles, type TlsFiles } from '../support/tls-files.ts'

/*
 * TLS-only servers (no plain port) that, as redis-server does by default, also ask every client for
 * a certificate their CA signed. The store reaches them through `rediss://` or `sentinels`, and
 * `store.tls`.
 */
let dir: string
let files: TlsFiles

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tapgate-redis-tls-'))
  files = await makeTlsFiles(dir)
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const tlsConfig = (overrides: Record<string, unknown> = {}) => ({
  ca_file: files.caFile,
  cert_file: files.clientCertFile,
  key_file: files.clientKeyFile,
  ...overrides,
})

/** One operation of each kind the store sends: plain commands, both scripts and a MULTI. */
async function exercise(store: Store): Promise<void> {
  const names = Array.from({ length: 20 }, (_, i) => `session:${i}`)
  await Promise.all(names.map((name) => store.set(name, name, 10_000)))
  expect(await Promise.all(names.map((name) => store.take(name)))).toEqual(names)
  expect(await store.increment('count', 10_000)).toBe(1)
  await store.addMember('index', 'member', 10_000)
  expect(await store.members('index')).toEqual(['member'])
  await store.pushCapped('history', 'entry', 5)
  expect(await store.recent('history')).toEqual(['entry'])
}

describe('RedisStore over TLS', () => {
  let redis: RedisServer
  let stores = 0

  beforeAll(async () => {
    redis = await startRedis({ tls: files })
  })
  afterAll(async () => {
    await redis?.stop()
  })

  describeStoreContract('Redis over TLS', async () => {
    const store = openConfiguredStore({
      redis_url: redis.url,
      tls: tlsConfig(),
      key_prefix: `contract-${++stores}:`,
    })
    return { store, advance: (ms) => sleep(ms), cleanup: () => store.close() }
  })

  it('reads the TLS files relative to the config file', async () => {
    const store = openConfiguredStore(
      { redis_url: redis.url, tls: { ca_file: 'ca.pem', cert_file: 'client.pem', key_file: 'client.key' } },
      dir,
    )
    try {
      await store.set('relative', 'v')
      expect(await store.get('relative')).toBe('v')
    } finally {
      await store.close()
    }
  })

  it('names a TLS file it cannot read', () => {
    const open = () => openConfiguredStore({ redis_url: redis.url, tls: { ca_file: 'missing.pem' } }, dir)
    expect(open).toThrow(`store.tls.ca_file: cannot read '${join(dir, 'missing.pem')}' (ENOENT)`)
  })

  it('checks the server name given in tls.server_name instead of the host connected to', async () => {
    const store = openConfiguredStore({ redis_url: redis.url, tls: tlsConfig({ server_name: 'localhost' }) })
    const misnamed = openConfiguredStore({
      redis_url: redis.url,
      tls: tlsConfig({ server_name: 'redis.example.com' }),
    })
    try {
      await expect(store.ping()).resolves.toBeUndefined()
      await expect(misnamed.ping()).rejects.toBeInstanceOf(StoreUnavailableError)
    } finally {
      await Promise.all([store.close(), misnamed.close()])
    }
  })

  describe('fails closed, never open and never with an unhandled error', () => {
    const refused: Record<string, () => Store> = {
      'a server certificate from another CA': () =>
        openConfiguredStore({ redis_url: redis.url, tls: tlsConfig({ ca_file: files.otherCaFile }) }),
      'no tls.ca_file, so only the system CAs': () =>
        openConfiguredStore({
          redis_url: redis.url,
          tls: { cert_file: files.clientCertFile, key_file: files.clientKeyFile },
        }),
      'no client certificate': () =>
        openConfiguredStore({ redis_url: redis.url, tls: { ca_file: files.caFile } }),
      'plain redis:// to the TLS port': () =>
        openConfiguredStore({ redis_url: redis.url.replace('rediss:', 'redis:') }),
    }
    for (const [name, open] of Object.entries(refused)) {
      it(`refuses ${name}`, async () => {
        const store = open()
        try {
          await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError)
          await expect(store.set('k', 'v')).rejects.toBeInstanceOf(StoreUnavailableError)
          await expect(store.increment('k', 1_000)).rejects.toBeInstanceOf(StoreUnavailableError)
        } finally {
          await store.close()
        }
      })
    }
  })

  describe('with a Redis user', () => {
    let admin: Redis

    beforeAll(async () => {
      admin = new Redis(redis.url, { tls: clientTls(files) })
      // A user that may only touch its own prefix, as on a Redis shared with other applications.
      await admin.call('ACL', 'SETUSER', 'tapgate', 'on', '>s3cret pass', '~tapgate-acl:*', '+@all')
    })
    afterAll(async () => {
      await admin?.quit()
    })

    it('signs in with username and password_file', async () => {
      await writeFile(join(dir, 'redis-password'), 's3cret pass\n')
      const config = {
        redis_url: redis.url,
        username: 'tapgate',
        password_file: 'redis-password',
        tls: tlsConfig(),
        key_prefix: 'tapgate-acl:',
      }
      const store = openConfiguredStore(config, dir)
      try {
        await store.set('k', 'v')
        expect(await admin.get('tapgate-acl:k')).toBe('v')
      } finally {
        await store.close()
      }
    })

    it('signs in with the user and password in the URL', async () => {
      const url = redis.url.replace('rediss://', 'rediss://tapgate:s3cret%20pass@')
      const store = openConfiguredStore({ redis_url: url, tls: tlsConfig(), key_prefix: 'tapgate-acl:' })
      try {
        expect(await store.increment('count', 10_000)).toBe(1)
      } finally {
        await store.close()
      }
    })

    it('fails closed with a wrong password', async () => {
      const store = openConfiguredStore({
        redis_url: redis.url,
        username: 'tapgate',
        password: 'wrong',
        tls: tlsConfig(),
        key_prefix: 'tapgate-acl:',
      })
      try {
        await expect(store.get('k')).rejects.toBeInstanceOf(StoreUnavailableError)
      } finally {
        await store.close()
      }
    })
  })
})

describe('RedisStore through Sentinel over TLS', () => {
  let group: SentinelGroup

  beforeAll(async () => {
    group = await startSentinelGroup({ tls: files })
  })
  afterAll(async () => {
    await group?.stop()
  })

  it('reaches the Sentinel and the master it names over TLS', async () => {
    const store = openConfiguredStore({
      sentinels: [group.sentinelAddress],
      sentinel_name: group.name,
      tls: tlsConfig(),
    })
    try {
      await exercise(store)
    } finally {
      await store.close()
    }
  })

  it('fails closed when the certificates are from another CA', async () => {
    const store = openConfiguredStore({
      sentinels: [group.sentinelAddress],
      sentinel_name: group.name,
      tls: tlsConfig({ ca_file: files.otherCaFile }),
    })
    try {
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError)
    } finally {
      await store.close()
    }
  })
})

describe('RedisStore on a Redis Cluster over TLS', () => {
  let cluster: RedisCluster

  beforeAll(async () => {
    cluster = await startRedisCluster({ tls: files })
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  it('reaches every node over TLS', async () => {
    const store = openConfiguredStore({ cluster_nodes: cluster.urls, tls: tlsConfig() })
    try {
      await exercise(store)
    } finally {
      await store.close()
    }
  })
})

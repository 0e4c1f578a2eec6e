import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StoreUnavailableError } from '../../gateway/store/store.ts'
import { describeStoreContract } from '../contract/store.contract.ts'
import { freePort } from '../support/free-port.ts'
import { type RedisCluster, startRedisCluster } from '../support/redis-cluster.ts'
import { openConfiguredStore } from '../support/store-config.ts'
import { waitFor } from '../support/wait-for.ts'

/**
 * Keys of one store spread over three masters. Redis Cluster refuses a command, script or MULTI whose
 * keys hash to different slots (CROSSSLOT), so the whole contract passing here shows that every
 * store operation stays within one slot.
 */
describe('RedisStore on a Redis Cluster', () => {
  let cluster: RedisCluster
  let stores = 0

  beforeAll(async () => {
    cluster = await startRedisCluster()
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  const keysOn = async (url: string, pattern: string) => {
    const node = new Redis(url)
    try {
      return await node.keys(pattern)
    } finally {
      node.disconnect()
    }
  }

  describeStoreContract('Redis Cluster', async () => {
    const store = openConfiguredStore({ cluster_nodes: cluster.urls, key_prefix: `contract-${++stores}:` })
    return { store, advance: (ms) => sleep(ms), cleanup: () => store.close() }
  })

  it('finds every master from one of them, spreads the keys over all, and keeps prefixes apart', async () => {
    const seed = cluster.urls.slice(0, 1)
    const a = openConfiguredStore({ cluster_nodes: seed, key_prefix: 'tenant-a:' })
    const b = openConfiguredStore({ cluster_nodes: seed, key_prefix: 'tenant-b:' })
    const names = Array.from({ length: 30 }, (_, i) => `session:${i}`)
    try {
      // Issued in one turn, so auto-pipelining groups them per master.
      await Promise.all(names.map((name) => a.set(name, `a ${name}`)))
      await Promise.all(names.map((name) => b.setIfAbsent(name, `b ${name}`)))
      expect(await Promise.all(names.map((name) => a.get(name)))).toEqual(names.map((name) => `a ${name}`))
      expect(await Promise.all(names.map((name) => b.take(name)))).toEqual(names.map((name) => `b ${name}`))
      expect(await a.get('session:0')).toBe('a session:0')

      const perMaster = await Promise.all(cluster.urls.map((url) => keysOn(url, 'tenant-a:*')))
      for (const keys of perMaster) expect(keys.length).toBeGreaterThan(0)
      expect(perMaster.flat().toSorted()).toEqual(names.map((name) => `tenant-a:${name}`).toSorted())
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  it('fails closed for the keys of a master that is down, and recovers when it is back', async () => {
    const store = openConfiguredStore({ cluster_nodes: cluster.urls, key_prefix: 'outage:' })
    const [down] = cluster.nodes
    if (down === undefined) throw new Error('the cluster has no nodes')
    try {
      await Promise.all(Array.from({ length: 30 }, (_, i) => store.set(`k${i}`, 'v')))
      const [onDownMaster] = await keysOn(down.url, 'outage:*')
      const key = onDownMaster?.slice('outage:'.length) ?? ''
      expect(key).not.toBe('')

      await down.kill()
      await expect(store.get(key)).rejects.toBeInstanceOf(StoreUnavailableError)
      await expect(store.increment(key, 1_000)).rejects.toBeInstanceOf(StoreUnavailableError)
      await expect(store.pushCapped(key, 'v', 5)).rejects.toBeInstanceOf(StoreUnavailableError)

      // The node comes back with its cluster identity but without data (no persistence here).
      await down.restart()
      await waitFor(async () => expect(await store.get(key)).toBeNull())
      await store.set(key, 'after')
      expect(await store.take(key)).toBe('after')
    } finally {
      await store.close()
    }
  })

  it('fails fast, and closed, when no node answers', async () => {
    const store = openConfiguredStore({ cluster_nodes: [`redis://127.0.0.1:${await freePort()}`] })
    try {
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError)
      await expect(store.get('k')).rejects.toBeInstanceOf(StoreUnavailableError)
      await expect(store.pushCapped('k', 'v', 5)).rejects.toBeInstanceOf(StoreUnavailableError)
    } finally {
      await store.close()
    }
  })
})

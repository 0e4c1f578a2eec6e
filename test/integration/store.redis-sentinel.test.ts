import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StoreUnavailableError } from '../../gateway/store/store.ts'
import { describeStoreContract } from '../contract/store.contract.ts'
import { freePort } from '../support/free-port.ts'
import { type SentinelGroup, startSentinelGroup } from '../support/redis-sentinel.ts'
import { openConfiguredStore } from '../support/store-config.ts'
import { waitFor } from '../support/wait-for.ts'

describe('RedisStore through Sentinel', () => {
  let group: SentinelGroup
  let stores = 0

  beforeAll(async () => {
    group = await startSentinelGroup()
  })
  afterAll(async () => {
    await group?.stop()
  })

  const sentinelConfig = (keyPrefix: string) => ({
    sentinels: [group.sentinelAddress],
    sentinel_name: group.name,
    key_prefix: keyPrefix,
  })

  describeStoreContract('Redis through Sentinel', async () => {
    const store = openConfiguredStore(sentinelConfig(`contract-${++stores}:`))
    return { store, advance: (ms) => sleep(ms), cleanup: () => store.close() }
  })

  it('keeps working on the new master after a failover', async () => {
    const store = openConfiguredStore(sentinelConfig('failover:'))
    const oldMaster = new Redis(group.master.url)
    const newMaster = new Redis(group.replica.url)
    try {
      await store.set('before', 'kept')
      // Replication is asynchronous: wait until the replica has the write, so the failover keeps it.
      expect(await oldMaster.wait(1, 5_000)).toBe(1)

      await group.sentinelClient.call('SENTINEL', 'FAILOVER', group.name)
      await waitFor(async () => expect(await group.masterPort()).toBe(group.replica.port))

      // Until the Sentinel has demoted the old master, it still takes writes (and later drops them);
      // commands that meet it then fail closed (READONLY) or succeed there. The client must end up
      // on the master the Sentinel now names.
      await waitFor(async () => {
        await store.set('after', 'written')
        expect(await newMaster.get('failover:after')).toBe('written')
      })
      expect(await store.get('before')).toBe('kept')
      expect(await store.increment('count', 10_000)).toBe(1)
      await store.pushCapped('history', 'entry', 5)
      expect(await newMaster.lrange('failover:history', 0, -1)).toEqual(['entry'])
    } finally {
      await Promise.all([store.close(), oldMaster.quit(), newMaster.quit()])
    }
  })

  it('fails fast, and closed, when no Sentinel answers', async () => {
    const store = openConfiguredStore({
      sentinels: [`127.0.0.1:${await freePort()}`],
      sentinel_name: group.name,
    })
    try {
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError)
      await expect(store.get('k')).rejects.toBeInstanceOf(StoreUnavailableError)
    } finally {
      await store.close()
    }
  })
})

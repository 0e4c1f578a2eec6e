import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest'
import { createRedisStore } from '../../gateway/store/redis-store.ts'
import type { Store } from '../../gateway/store/store.ts'
import { FixedClock } from './clock.ts'
import { type RedisServer, startRedis } from './redis.ts'
import { tempSqliteStore } from './temp-sqlite-store.ts'

export interface StoreUnderTest {
  store: Store
  clock: FixedClock
}

/**
 * Registers `tests` twice: on the embedded SQLite store and on a real Redis (one server per file, a
 * fresh key prefix per test). Each test gets an empty store and a FixedClock through `current()`.
 */
export function describeOnBothStores(title: string, tests: (current: () => StoreUnderTest) => void): void {
  describe(`${title}, SQLite store`, () => {
    let current: StoreUnderTest
    beforeEach(() => {
      const clock = new FixedClock()
      current = { store: tempSqliteStore(clock).store, clock }
    })
    tests(() => current)
  })

  describe(`${title}, Redis store`, () => {
    let redis: RedisServer
    let current: StoreUnderTest
    beforeAll(async () => {
      redis = await startRedis()
    })
    afterAll(async () => {
      await redis.stop()
    })
    beforeEach(() => {
      const prefix = `test-${randomBytes(4).toString('hex')}:`
      current = { store: createRedisStore(redis.url, prefix), clock: new FixedClock() }
    })
    afterEach(async () => {
      await current.store.close()
    })
    tests(() => current)
  })
}

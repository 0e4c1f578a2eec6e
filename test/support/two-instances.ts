import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { type DemoPanel, startDemoPanel } from '../../demo/panel.ts'
import { createRedisStore } from '../../gateway/store/redis-store.ts'
import { BrowserClient } from './browser-client.ts'
import { FixedClock } from './clock.ts'
import { startTestGateway, type TestGateway } from './gateway.ts'
import { type RedisServer, startRedis } from './redis.ts'

export interface TwoInstances {
  readonly a: TestGateway
  readonly b: TestGateway
  /** The public_url both instances share, as behind one load balancer. */
  readonly publicOrigin: string
  /** A browser whose requests go to `gateway`, holding `cookies` (another instance's, say). */
  browserOn(gateway: TestGateway, cookies?: Map<string, string>): BrowserClient
}

/**
 * Registers hooks for a multi-instance deployment: one Redis and one demo panel per file, and per test
 * two gateway instances, A and B, on one fresh key prefix and one clock (they share a time source in
 * production too). `config` is given to both.
 */
export function useTwoInstances(config: Record<string, unknown> = {}): TwoInstances {
  const publicOrigin = 'http://127.0.0.1:1'
  let redis: RedisServer
  let panel: DemoPanel
  let run = 0
  const instances = {} as { a: TestGateway; b: TestGateway }
  beforeAll(async () => {
    redis = await startRedis()
    panel = await startDemoPanel()
  })
  afterAll(async () => {
    await panel.close()
    await redis.stop()
  })
  beforeEach(async () => {
    const clock = new FixedClock()
    const prefix = `t${++run}:`
    const start = () =>
      startTestGateway({
        upstreamUrl: panel.url,
        clock,
        config: { public_url: publicOrigin, ...config },
        store: createRedisStore(redis.url, prefix),
      })
    instances.a = await start()
    instances.b = await start()
  })
  afterEach(async () => {
    await instances.a.close()
    await instances.b.close()
  })
  return {
    get a() {
      return instances.a
    },
    get b() {
      return instances.b
    },
    publicOrigin,
    browserOn(gateway, cookies) {
      const browser = new BrowserClient(gateway.url, publicOrigin)
      for (const [name, value] of cookies ?? []) browser.cookies.set(name, value)
      return browser
    },
  }
}

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type DemoPanel, startDemoPanel } from '../../gateway/demo/panel.ts'
import { createRedisStore } from '../../gateway/store/redis-store.ts'
import { BrowserClient, csrfTokenIn } from '../support/browser-client.ts'
import { FixedClock } from '../support/clock.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { type RedisServer, startRedis } from '../support/redis.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import { totpCode } from '../support/totp-codes.ts'

/**
 * An admin's reset on one gateway instance ends the user's session and trusted devices on every
 * other instance sharing the Redis store, at the user's very next request (issue 5, DESIGN invariant 6).
 */
let redis: RedisServer
let panel: DemoPanel
let a: TestGateway
let b: TestGateway
let run = 0
const publicOrigin = 'http://127.0.0.1:1'

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
  const prefix = `admin${++run}:`
  const config = { public_url: publicOrigin, admins: ['alice'] }
  a = await startTestGateway({
    upstreamUrl: panel.url,
    clock,
    config,
    store: createRedisStore(redis.url, prefix),
  })
  b = await startTestGateway({
    upstreamUrl: panel.url,
    clock,
    config,
    store: createRedisStore(redis.url, prefix),
  })
})
afterEach(async () => {
  await a.close()
  await b.close()
})

describe('admin reset across instances', () => {
  it("ends the user's session and trusted device on the other instance at their next request", async () => {
    const admin = new BrowserClient(a.url, publicOrigin)
    await enrollTotp(admin, a.clock, 'alice')
    const secret = await enrollTotp(new BrowserClient(a.url, publicOrigin), a.clock, 'demo')
    a.clock.advance(30_000)

    // The user signs in on B and ticks "Trust this device".
    const user = new BrowserClient(b.url, publicOrigin)
    await signInWithPassword(user)
    const challenge = await (await user.get('/_tapgate/2fa')).text()
    const verified = await user.postForm('/_tapgate/2fa', {
      csrf: csrfTokenIn(challenge),
      code: await totpCode(secret, b.clock),
      trust_device: 'yes',
    })
    expect(verified.status).toBe(303)
    expect(user.cookies.has('tapgate_device')).toBe(true)
    expect((await user.get('/dashboard')).status).toBe(200)

    const csrf = csrfTokenIn(await (await admin.get('/_tapgate/admin/users/demo')).text())
    const reset = await admin.postForm('/_tapgate/admin/users/demo/reset', { csrf, reason: 'lost phone' })
    expect(reset.status).toBe(303)

    const next = await user.get('/dashboard')
    expect(next.status).toBe(302)
    expect(next.headers.get('location')).toBe('/login')
    expect((await user.get('/_tapgate/account')).headers.get('location')).toBe('/login')

    // The trust mark is gone too: the password alone no longer lets this browser through on B.
    const again = await signInWithPassword(user)
    expect(again.status).toBe(303)
    expect(again.headers.get('location')).toBe('/_tapgate/2fa')
    expect((await user.get('/dashboard')).headers.get('location')).toBe('/_tapgate/2fa')
  })
})

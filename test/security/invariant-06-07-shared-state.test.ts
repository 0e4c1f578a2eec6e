import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type DemoPanel, startDemoPanel } from '../../gateway/demo/panel.ts'
import { createRedisStore } from '../../gateway/store/redis-store.ts'
import { resetSecondFactors } from '../../gateway/users/reset-user.ts'
import { BrowserClient, csrfTokenIn, recoveryCodesIn } from '../support/browser-client.ts'
import { FixedClock } from '../support/clock.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { type RedisServer, startRedis } from '../support/redis.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import { totpCode } from '../support/totp-codes.ts'

/**
 * Two gateway instances share one Redis, as in a multi-instance deployment.
 * DESIGN invariant 6: the session id rotates at every level change, and a logout on one instance
 * revokes the session on the other at once. Invariant 7: a TOTP step is accepted once, even when
 * the same code reaches both instances at the same moment; so is a recovery code. A reset of a user's
 * factors (an admin's action) ends their sessions on every instance at once.
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
  // One clock for both instances (they share a time source in production too); a fresh key prefix per test.
  const clock = new FixedClock()
  const prefix = `t${++run}:`
  const config = { public_url: publicOrigin }
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

/** One browser whose requests go to either instance, as behind a load balancer. */
function browserOn(gateway: TestGateway, cookies?: Map<string, string>) {
  const browser = new BrowserClient(gateway.url, publicOrigin)
  for (const [name, value] of cookies ?? []) browser.cookies.set(name, value)
  return browser
}

describe('sessions across instances', () => {
  it('rotates the session id when the level changes; the pending id is dead afterwards', async () => {
    const browser = browserOn(a)
    const secret = await enrollTotp(browserOn(a), a.clock)
    a.clock.advance(30_000)
    await signInWithPassword(browser)
    const pendingToken = browser.cookies.get('tapgate_session')
    const csrf = csrfTokenIn(await (await browser.get('/_tapgate/2fa')).text())
    await browser.postForm('/_tapgate/2fa', { csrf, code: await totpCode(secret, a.clock) })
    const verifiedToken = browser.cookies.get('tapgate_session')
    expect(verifiedToken).not.toBe(pendingToken)

    const replayPending = browserOn(b, new Map([['tapgate_session', pendingToken as string]]))
    expect((await replayPending.get('/_tapgate/2fa')).headers.get('location')).toBe('/login')
    expect((await replayPending.get('/dashboard')).headers.get('location')).toBe('/login')
  })

  it('serves a session on any instance, and a logout on one revokes it on the other at once', async () => {
    const onA = browserOn(a)
    await enrollTotp(onA, a.clock)
    const onB = browserOn(b, onA.cookies)
    expect((await onB.get('/dashboard')).status).toBe(200)

    const csrf = csrfTokenIn(await (await onA.get('/_tapgate/logout')).text())
    await onA.postForm('/_tapgate/logout', { csrf })
    expect((await onB.get('/dashboard')).headers.get('location')).toBe('/login')
  })

  it('accepts one TOTP code once when it reaches both instances at the same moment', async () => {
    const secret = await enrollTotp(browserOn(a), a.clock)
    a.clock.advance(30_000)
    const first = browserOn(a)
    const second = browserOn(b)
    await signInWithPassword(first)
    await signInWithPassword(second)
    const csrfA = csrfTokenIn(await (await first.get('/_tapgate/2fa')).text())
    const csrfB = csrfTokenIn(await (await second.get('/_tapgate/2fa')).text())
    const code = await totpCode(secret, a.clock)
    const results = await Promise.all([
      first.postForm('/_tapgate/2fa', { csrf: csrfA, code }),
      second.postForm('/_tapgate/2fa', { csrf: csrfB, code }),
    ])
    expect(results.map((r) => r.status).sort()).toEqual([303, 401])
  })

  it('accepts one recovery code once when it reaches both instances at the same moment', async () => {
    const owner = browserOn(a)
    await enrollTotp(owner, a.clock)
    const codes = recoveryCodesIn(await (await owner.get('/_tapgate/recovery-codes')).text())
    const first = browserOn(a)
    const second = browserOn(b)
    await signInWithPassword(first)
    await signInWithPassword(second)
    const csrfA = csrfTokenIn(await (await first.get('/_tapgate/2fa')).text())
    const csrfB = csrfTokenIn(await (await second.get('/_tapgate/2fa')).text())
    const recovery_code = codes[0] as string
    const results = await Promise.all([
      first.postForm('/_tapgate/2fa/recovery', { csrf: csrfA, recovery_code }),
      second.postForm('/_tapgate/2fa/recovery', { csrf: csrfB, recovery_code }),
    ])
    expect(results.map((r) => r.status).sort()).toEqual([200, 401])
  })

  it('ends every session of a user on every instance when their factors are reset', async () => {
    const onA = browserOn(a)
    await enrollTotp(onA, a.clock)
    const onB = browserOn(b, onA.cookies)
    expect((await onB.get('/dashboard')).status).toBe(200)
    await resetSecondFactors(a.services, 'demo', {
      actor: 'admin',
      reason: 'lost phone',
      origin: { ip: '127.0.0.1', userAgent: '' },
    })
    expect((await onB.get('/dashboard')).headers.get('location')).toBe('/login')
    expect((await onA.get('/dashboard')).headers.get('location')).toBe('/login')
  })
})

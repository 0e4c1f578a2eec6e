import { describe, expect, it } from 'vitest'
import { resetSecondFactors } from '../../gateway/users/reset-user.ts'
import { csrfTokenIn, recoveryCodesIn } from '../support/browser-client.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import { totpCode } from '../support/totp-codes.ts'
import { useTwoInstances } from '../support/two-instances.ts'

/**
 * Two gateway instances share one Redis, as in a multi-instance deployment.
 * DESIGN invariant 6: the session id rotates at every level change, and a logout on one instance
 * revokes the session on the other at once. Invariant 7: a TOTP step is accepted once, even when
 * the same code reaches both instances at the same moment; so is a recovery code. A reset of a user's
 * factors (an admin's action) ends their sessions on every instance at once.
 */
const instances = useTwoInstances()

/**
 * The user's password at both instances, then the same 2fa form (`path`, `fields` and each page's
 * CSRF token) sent to both at the same moment. Resolves with both answers.
 */
async function sameStepOnBoth(path: string, fields: Record<string, string>): Promise<Response[]> {
  const { a, b, browserOn } = instances
  const first = browserOn(a)
  const second = browserOn(b)
  await signInWithPassword(first)
  await signInWithPassword(second)
  const csrfA = csrfTokenIn(await (await first.get('/_tapgate/2fa')).text())
  const csrfB = csrfTokenIn(await (await second.get('/_tapgate/2fa')).text())
  return Promise.all([
    first.postForm(path, { csrf: csrfA, ...fields }),
    second.postForm(path, { csrf: csrfB, ...fields }),
  ])
}

describe('sessions across instances', () => {
  it('rotates the session id when the level changes; the pending id is dead afterwards', async () => {
    const { a, b, browserOn } = instances
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
    // The dead pending id is told it timed out (with the way back to the sign-in page), never let in.
    const timedOut = await replayPending.get('/_tapgate/2fa')
    expect(timedOut.status).toBe(401)
    expect(await timedOut.text()).toContain('href="/login"')
    expect((await replayPending.get('/dashboard')).headers.get('location')).toBe('/login')
  })

  it('serves a session on any instance, and a logout on one revokes it on the other at once', async () => {
    const { a, b, browserOn } = instances
    const onA = browserOn(a)
    await enrollTotp(onA, a.clock)
    const onB = browserOn(b, onA.cookies)
    expect((await onB.get('/dashboard')).status).toBe(200)

    const csrf = csrfTokenIn(await (await onA.get('/_tapgate/logout')).text())
    await onA.postForm('/_tapgate/logout', { csrf })
    expect((await onB.get('/dashboard')).headers.get('location')).toBe('/login')
  })

  it('accepts one TOTP code once when it reaches both instances at the same moment', async () => {
    const { a, browserOn } = instances
    const secret = await enrollTotp(browserOn(a), a.clock)
    a.clock.advance(30_000)
    const results = await sameStepOnBoth('/_tapgate/2fa', { code: await totpCode(secret, a.clock) })
    expect(results.map((r) => r.status).sort()).toEqual([303, 401])
  })

  it('accepts one recovery code once when it reaches both instances at the same moment', async () => {
    const { a, browserOn } = instances
    const owner = browserOn(a)
    await enrollTotp(owner, a.clock)
    const codes = recoveryCodesIn(await (await owner.get('/_tapgate/recovery-codes')).text())
    const results = await sameStepOnBoth('/_tapgate/2fa/recovery', { recovery_code: codes[0] as string })
    expect(results.map((r) => r.status).sort()).toEqual([200, 401])
  })

  it('ends every session of a user on every instance when their factors are reset', async () => {
    const { a, b, browserOn } = instances
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

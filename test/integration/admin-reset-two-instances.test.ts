import { describe, expect, it } from 'vitest'
import { csrfTokenIn } from '../support/browser-client.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import { totpCode } from '../support/totp-codes.ts'
import { useTwoInstances } from '../support/two-instances.ts'

/**
 * An admin's reset on one gateway instance ends the user's session and trusted devices on every
 * other instance sharing the Redis store, at the user's very next request (issue 5, DESIGN invariant 6).
 */
const instances = useTwoInstances({ admins: ['alice'] })

describe('admin reset across instances', () => {
  it("ends the user's session and trusted device on the other instance at their next request", async () => {
    const { a, b, browserOn } = instances
    const admin = browserOn(a)
    await enrollTotp(admin, a.clock, 'alice')
    const secret = await enrollTotp(browserOn(a), a.clock, 'demo')
    a.clock.advance(30_000)

    // The user signs in on B and ticks "Trust this device".
    const user = browserOn(b)
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
    const account = await user.get('/_tapgate/account')
    expect(account.status).toBe(401)
    expect(await account.text()).toContain('href="/login"')

    // The trust mark is gone too: the password alone no longer lets this browser through on B.
    const again = await signInWithPassword(user)
    expect(again.status).toBe(303)
    expect(again.headers.get('location')).toBe('/_tapgate/2fa')
    expect((await user.get('/dashboard')).headers.get('location')).toBe('/_tapgate/2fa')
  })
})

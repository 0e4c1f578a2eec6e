import { describe, expect, it, vi } from 'vitest'
import { tokenId } from '../../gateway/session/token.ts'
import { keys } from '../../gateway/store/keys.ts'
import { type BrowserClient, csrfTokenIn } from '../support/browser-client.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import { totpCode } from '../support/totp-codes.ts'
import { type TwoInstances, useTwoInstances } from '../support/two-instances.ts'

/**
 * DESIGN invariant 6: a logout on one instance revokes the session on every other at once. Instance B
 * keeps a local copy of a session it serves (gateway/store/tracked-reads.ts), so the attack is the
 * user's own cookie, signed out on A and replayed on B at once: B's copy must already be gone.
 */
const instances: TwoInstances = useTwoInstances()
const sessionCookie = 'tapgate_session'
const returnCookie = 'tapgate_session_return'

/**
 * A user signed in and verified on B, whose session B has just served and keeps: a read of it through
 * B's store parses nothing. Resolves with the browser on B and its session token.
 */
async function verifiedAndKeptOnB(): Promise<{ onB: BrowserClient; token: string }> {
  const { a, b, browserOn } = instances
  const secret = await enrollTotp(browserOn(a), a.clock)
  a.clock.advance(30_000)

  const onB = browserOn(b)
  await signInWithPassword(onB)
  const csrf = csrfTokenIn(await (await onB.get('/_tapgate/2fa')).text())
  const verified = await onB.postForm('/_tapgate/2fa', { csrf, code: await totpCode(secret, b.clock) })
  expect(verified.status).toBe(303)
  const token = onB.cookies.get(sessionCookie) as string
  const key = keys.session(tokenId(token))

  // B keeps copies once its change feed is up; until it is, each request reads Redis.
  await expect
    .poll(
      async () => {
        expect((await onB.get('/dashboard')).status).toBe(200)
        const parse = vi.fn(() => null)
        await b.store.getParsed(key, parse)
        return parse.mock.calls.length
      },
      { timeout: 5_000, interval: 20 },
    )
    .toBe(0)
  return { onB, token }
}

/** B's answer to the user's next request with `token`: tapgate's own refusal, not the panel's. */
async function expectRefusedOnB(onB: BrowserClient, token: string): Promise<void> {
  expect(onB.cookies.get(sessionCookie)).toBe(token)
  const next = await onB.get('/dashboard')
  expect(next.status).toBe(302)
  expect(next.headers.get('location')).toBe('/login')
  // tapgate remembers the page for after the sign-in; the panel's own redirect would not.
  const setCookies = next.headers.getSetCookie()
  expect(setCookies.some((cookie) => cookie.startsWith(`${returnCookie}=%2Fdashboard;`))).toBe(true)
}

describe('DESIGN invariant 6: a sign-out on instance A revokes the session B just served, at once', () => {
  it("refuses B's very next request with the cookie signed out at A's /_tapgate/logout", async () => {
    const { a, browserOn } = instances
    const { onB, token } = await verifiedAndKeptOnB()

    // The same browser, its request routed to A this time.
    const onA = browserOn(a, onB.cookies)
    const csrf = csrfTokenIn(await (await onA.get('/_tapgate/logout')).text())
    const signedOut = await onA.postForm('/_tapgate/logout', { csrf })
    expect(signedOut.status).toBe(303)
    expect(onA.cookies.has(sessionCookie)).toBe(false)

    // The panel's own session is still alive: only tapgate can refuse this request.
    await expectRefusedOnB(onB, token)
  })

  it("refuses B's very next request with the cookie signed out through the panel's logout on A", async () => {
    const { a, browserOn } = instances
    const { onB, token } = await verifiedAndKeptOnB()

    const onA = browserOn(a, onB.cookies)
    const loggedOut = await onA.get('/logout')
    expect(loggedOut.status).toBe(302)
    expect(onA.cookies.has(sessionCookie)).toBe(false)

    await expectRefusedOnB(onB, token)
  })
})

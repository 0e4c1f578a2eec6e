import { describe, expect, it } from 'vitest'
import { secretsAtRest } from '../../gateway/crypto/secret-box.ts'
import { TotpFactor } from '../../gateway/factors/totp/totp-factor.ts'
import { keys } from '../../gateway/store/keys.ts'
import { EnrollmentInvites } from '../../gateway/users/enrollment-invites.ts'
import { BrowserClient, csrfTokenIn } from '../support/browser-client.ts'
import { type DemoGatewayFixture, useDemoGateway } from '../support/demo-gateway.ts'
import { testEncryptionKey } from '../support/gateway.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import { totpCode } from '../support/totp-codes.ts'
import { visible } from '../support/visible-text.ts'

/**
 * The admin page (seed 004: "contact the admin user of your account") over HTTP through the whole
 * gateway: only configured admins get in; they find users who signed in, see their factors and
 * history, reset their second factors with a required reason (which ends the user's sessions at
 * once), lift a lockout, and in invite mode issue a one-time enrollment code. The demo panel's users
 * are `alice` (the admin here) and `demo`.
 */
const admin = '/_tapgate/admin'
const demoPage = `${admin}/users/demo`

async function pageText(browser: BrowserClient, path: string): Promise<string> {
  const response = await browser.get(path)
  expect(response.status, path).toBe(200)
  return response.text()
}

/** A verified session for `user` (the authenticator app enrolled on the way), ready for the admin pages. */
async function signedIn(demo: DemoGatewayFixture, user: string): Promise<BrowserClient> {
  const browser = new BrowserClient(demo.gateway.url)
  await enrollTotp(browser, demo.gateway.clock, user)
  return browser
}

describe('admin page', () => {
  const demo = useDemoGateway({
    config: () => ({ admins: ['Alice'], trusted_proxies: ['127.0.0.1'] }),
  })

  it("asks for the admin's own second factor again when it is over five minutes old", async () => {
    const alice = await signedIn(demo, 'alice')
    await signedIn(demo, 'demo')
    demo.gateway.clock.advance(5 * 60_000 + 1)
    const csrf = csrfTokenIn(await pageText(alice, demoPage))
    const refused = await alice.postForm(`${demoPage}/reset`, { csrf, reason: 'lost phone' })
    expect(refused.status).toBe(303)
    expect(refused.headers.get('location')).toBe('/_tapgate/2fa')
    expect(await demo.gateway.store.get(keys.totpSecret('demo'))).not.toBeNull()
  })

  it('brings the admin back to the interrupted action after confirming, the reason still typed (issue 16)', async () => {
    const { clock } = demo.gateway
    const alice = new BrowserClient(demo.gateway.url)
    const secret = await enrollTotp(alice, clock, 'alice')
    await signedIn(demo, 'demo')
    clock.advance(5 * 60_000 + 1)
    const csrf = csrfTokenIn(await pageText(alice, demoPage))
    const reason = 'lost phone <and> keys'
    const interrupted = await alice.postForm(`${demoPage}/reset`, { csrf, reason })
    expect(interrupted.headers.get('location')).toBe('/_tapgate/2fa')

    // The confirmation says what it is for: an action on demo, not a change to alice's own methods.
    const confirm = await pageText(alice, '/_tapgate/2fa')
    expect(visible(confirm)).toContain("Before you reset demo's second factors, verify it's you once more.")
    expect(visible(confirm)).not.toContain('signs in')
    const verified = await alice.postForm('/_tapgate/2fa', {
      csrf: csrfTokenIn(confirm),
      code: await totpCode(secret, clock),
    })
    expect(verified.headers.get('location')).toBe(demoPage)

    const back = await pageText(alice, demoPage)
    expect(visible(back)).toContain(
      "You were about to reset demo's second factors: it is below, ready to send.",
    )
    expect(back).toMatch(/<textarea[^>]*name="reason"[^>]*>lost phone &lt;and&gt; keys<\/textarea>/)
    expect(back).toMatch(/<button class="button button-danger button-small" type="submit" autofocus="">/)
    // Offered once: the next view of the page is the usual one, and nothing was reset meanwhile.
    expect(visible(await pageText(alice, demoPage))).not.toContain('You were about to')
    expect(await demo.gateway.store.get(keys.totpSecret('demo'))).not.toBeNull()

    const reset = await alice.postForm(`${demoPage}/reset`, { csrf, reason })
    expect(reset.headers.get('location')).toBe(`${demoPage}?notice=reset`)
  })

  it('refuses users who are not admins with 403 on every route, GET and POST alike', async () => {
    const alice = await signedIn(demo, 'alice')
    const user = await signedIn(demo, 'demo')
    const csrf = csrfTokenIn(await pageText(user, '/_tapgate/account'))
    for (const path of [admin, `${admin}?q=a`, `${admin}/users/alice`, `${admin}/users/nobody`]) {
      const refused = await user.get(path)
      expect(refused.status, path).toBe(403)
      expect(await refused.text()).toContain('Access denied')
    }
    for (const action of ['reset', 'unlock', 'sign-out', 'invite']) {
      const path = `${admin}/users/alice/${action}`
      expect((await user.postForm(path, { csrf, reason: 'mine now' })).status, path).toBe(403)
    }
    expect(await pageText(alice, `${admin}/users/alice`)).toContain('Authenticator app')
    expect(demo.gateway.logs.filter((l) => l.event === 'admin' && l.user === 'alice')).toEqual([])

    // Without a session at all, it is the sign-in page, as everywhere else under the prefix.
    const stranger = new BrowserClient(demo.gateway.url)
    expect((await stranger.get(admin)).headers.get('location')).toBe('/login')
    expect((await stranger.postForm(`${admin}/users/demo/reset`, { reason: 'x' })).status).toBe(302)
  })

  it('lists the users who have signed in, and searches them by name', async () => {
    const alice = await signedIn(demo, 'alice')
    await signInWithPassword(new BrowserClient(demo.gateway.url), 'demo')

    const all = await pageText(alice, admin)
    expect(all).toContain(`href="${demoPage}"`)
    expect(all).toContain(`href="${admin}/users/alice"`)
    const found = await pageText(alice, `${admin}?q=DEM`)
    expect(found).toContain(`href="${demoPage}"`)
    expect(found).not.toContain(`href="${admin}/users/alice"`)
    expect(found).toContain('value="DEM"')
    expect(visible(await pageText(alice, `${admin}?q=zzz`))).toContain('No user matches that search.')
  })

  it("shows a user's factors and history, and 404 for a name tapgate never saw", async () => {
    const alice = await signedIn(demo, 'alice')
    await signedIn(demo, 'demo')

    const html = await pageText(alice, demoPage)
    const page = visible(html)
    expect(page).toContain('Authenticator app On')
    expect(page).toContain('Security keys None')
    expect(page).toContain('Recovery codes 10 left')
    expect(page).toContain('Not locked out')
    // Newest first, in words (issue 16): the sign-in (password and second step) as one row, the enrollment.
    const history = page.slice(page.indexOf('Activity'))
    expect(history).toMatch(
      /Signed in with an authenticator app Password under a minute before Success 127\.0\.0\.1 Unknown browser .*Set up: authenticator app Success/,
    )
    expect(history).not.toContain('Password Success')
    expect(history).not.toMatch(/second_factor|totp|first_factor/)
    expect(page).not.toContain('Enrollment code')
    // Usernames are canonicalised as sign-in does.
    expect((await alice.get(`${admin}/users/DEMO`)).status).toBe(200)

    const unknown = await alice.get(`${admin}/users/${encodeURIComponent('no/such user')}`)
    expect(unknown.status).toBe(404)
    const csrf = csrfTokenIn(html)
    expect((await alice.postForm(`${admin}/users/nobody/reset`, { csrf, reason: 'x' })).status).toBe(404)
  })

  it('refuses a reset without a reason, with a clear message, and changes nothing', async () => {
    const alice = await signedIn(demo, 'alice')
    const user = await signedIn(demo, 'demo')
    const csrf = csrfTokenIn(await pageText(alice, demoPage))

    for (const reason of [undefined, '', '   \n ']) {
      const fields: Record<string, string> = reason === undefined ? { csrf } : { csrf, reason }
      const refused = await alice.postForm(`${demoPage}/reset`, fields)
      expect(refused.status).toBe(400)
      expect(visible(await refused.text())).toContain(
        'Give a reason for the reset: it goes into their history.',
      )
    }
    expect(await demo.gateway.store.get(keys.totpSecret('demo'))).not.toBeNull()
    expect((await user.get('/dashboard')).status).toBe(200)
    expect(visible(await pageText(alice, demoPage))).not.toContain('By an administrator Reset')
  })

  it("resets a user's factors with a reason: their open session ends at once, and the history says who and why", async () => {
    const alice = await signedIn(demo, 'alice')
    const user = await signedIn(demo, 'demo')
    expect((await user.get('/dashboard')).status).toBe(200)
    const csrf = csrfTokenIn(await pageText(alice, demoPage))

    const reason = 'Lost phone <and> keys; verified by phone call'
    const reset = await alice.postForm(`${demoPage}/reset`, { csrf, reason })
    expect(reset.status).toBe(303)
    expect(reset.headers.get('location')).toBe(`${demoPage}?notice=reset`)

    expect((await user.get('/dashboard')).headers.get('location')).toBe('/login')
    expect(await demo.gateway.store.get(keys.totpSecret('demo'))).toBeNull()
    expect(await demo.gateway.store.get(keys.recoveryCodes('demo'))).toBeNull()

    const page = await pageText(alice, `${demoPage}?notice=reset`)
    expect(page).toContain('Lost phone &lt;and&gt; keys')
    const text = visible(page)
    expect(text).toContain('Second factors reset.')
    expect(text).toContain('Authenticator app Off')
    expect(text).toContain('Recovery codes None')
    expect(text).toContain('By an administrator Reset 127.0.0.1')
    expect(text).toContain(`alice ${reason}`)
    expect(demo.gateway.logs).toContainEqual(
      expect.objectContaining({ event: 'admin', result: 'reset', user: 'demo', actor: 'alice', reason }),
    )

    // Their next sign-in sets up a factor afresh.
    const again = new BrowserClient(demo.gateway.url)
    await signInWithPassword(again)
    expect((await again.get('/_tapgate/2fa')).headers.get('location')).toBe('/_tapgate/enroll')
  })

  it('lifts a lockout: the page shows it, the user signs in again, the history says who', async () => {
    const alice = await signedIn(demo, 'alice')
    await signedIn(demo, 'demo')
    // Five wrong passwords from one address: the user is locked out there.
    const from = (address: string) =>
      new BrowserClient(demo.gateway.url, undefined, { 'x-forwarded-for': address })
    for (let attempt = 0; attempt < 5; attempt++) {
      await signInWithPassword(from('198.51.100.1'), 'demo', 'guess')
    }
    expect((await signInWithPassword(from('198.51.100.1'))).status).toBe(429)
    const locked = await pageText(alice, demoPage)
    expect(visible(locked)).toContain('Locked out')
    expect(visible(locked)).not.toContain('Not locked out')
    // visible() puts a space around the address's <code>.
    expect(visible(locked)).toContain(
      'Too many failed attempts from 198.51.100.1 : paused there until 23 Nov 2026, 09:15 UTC',
    )

    const lifted = await alice.postForm(`${demoPage}/unlock`, {
      csrf: csrfTokenIn(locked),
      reason: 'their own typos',
    })
    expect(lifted.status).toBe(303)
    expect(lifted.headers.get('location')).toBe(`${demoPage}?notice=unlocked`)
    const page = visible(await pageText(alice, `${demoPage}?notice=unlocked`))
    expect(page).toContain('Lockout lifted.')
    expect(page).toContain('Not locked out')
    expect(page).toContain('By an administrator Unlocked 127.0.0.1')
    expect(page).toContain('alice their own typos')

    const signIn = await signInWithPassword(from('198.51.100.1'))
    expect(signIn.status).toBe(303)
    expect(signIn.headers.get('location')).toBe('/_tapgate/2fa')
  })

  it('signs a user out everywhere, their factors kept: every browser asks for them again (issue 17)', async () => {
    const alice = await signedIn(demo, 'alice')
    const user = await signedIn(demo, 'demo')
    expect((await user.get('/dashboard')).status).toBe(200)

    const signedOut = await alice.postForm(`${demoPage}/sign-out`, {
      csrf: csrfTokenIn(await pageText(alice, demoPage)),
      reason: 'laptop stolen',
    })
    expect(signedOut.status).toBe(303)
    expect(signedOut.headers.get('location')).toBe(`${demoPage}?notice=signed_out`)
    const page = visible(await pageText(alice, `${demoPage}?notice=signed_out`))
    expect(page).toContain('Signed out everywhere. Their sign-in methods are kept')
    expect(page).toContain('By an administrator Signed out 127.0.0.1')
    expect(page).toContain('alice laptop stolen')

    expect((await user.get('/dashboard')).headers.get('location')).toMatch(/^\/login/)
    expect(await demo.gateway.store.get(keys.totpSecret('demo'))).not.toBeNull()
    // The next sign-in asks for the app, not for a new one.
    expect((await signInWithPassword(new BrowserClient(demo.gateway.url))).headers.get('location')).toBe(
      '/_tapgate/2fa',
    )
  })

  it('refuses every admin form without the CSRF token, or with another session’s, and changes nothing', async () => {
    const alice = await signedIn(demo, 'alice')
    const user = await signedIn(demo, 'demo')
    const othersToken = csrfTokenIn(await pageText(user, '/_tapgate/account'))
    for (const action of ['reset', 'unlock', 'sign-out', 'invite']) {
      const attempts: Record<string, string>[] = [{ reason: 'x' }, { reason: 'x', csrf: othersToken }]
      for (const fields of attempts) {
        const refused = await alice.postForm(`${demoPage}/${action}`, fields)
        expect(refused.status, action).toBe(403)
        expect(await refused.text()).toContain('This form has expired')
      }
    }
    // A cross-site POST, even with the right token.
    const csrf = csrfTokenIn(await pageText(alice, demoPage))
    const crossSite = await alice.postForm(
      `${demoPage}/reset`,
      { csrf, reason: 'x' },
      { origin: 'https://evil.example' },
    )
    expect(crossSite.status).toBe(403)
    expect(await demo.gateway.store.get(keys.totpSecret('demo'))).not.toBeNull()
    expect((await user.get('/dashboard')).status).toBe(200)
  })

  it('offers no enrollment codes unless first_enrollment is invite', async () => {
    const alice = await signedIn(demo, 'alice')
    await signInWithPassword(new BrowserClient(demo.gateway.url))
    const page = await pageText(alice, demoPage)
    expect(page).not.toContain(`${demoPage}/invite`)
    expect((await alice.postForm(`${demoPage}/invite`, { csrf: csrfTokenIn(page) })).status).toBe(404)
  })
})

describe('admin page in invite mode', () => {
  const demo = useDemoGateway({
    config: () => ({ admins: ['alice'], enrollment: { first_enrollment: 'invite' } }),
  })

  /** The admin's app, set up directly in the store: in invite mode even an admin's first enrollment needs a code. */
  async function adminSignedIn(): Promise<BrowserClient> {
    const { store, clock } = demo.gateway
    const totp = new TotpFactor(
      { issuer: 'tapgate', digits: 6, period: 30, window: 1 },
      store,
      secretsAtRest(testEncryptionKey),
      clock,
    )
    const secret = totp.newSecret()
    await totp.enroll('alice', secret)
    const browser = new BrowserClient(demo.gateway.url)
    await signInWithPassword(browser, 'alice')
    const challenge = await pageText(browser, '/_tapgate/2fa')
    const verified = await browser.postForm('/_tapgate/2fa', {
      csrf: csrfTokenIn(challenge),
      code: await totpCode(secret, clock),
    })
    expect(verified.status).toBe(303)
    return browser
  }

  it('issues a one-time enrollment code, shown once and never stored or logged in the clear', async () => {
    const alice = await adminSignedIn()
    await signInWithPassword(new BrowserClient(demo.gateway.url))
    const before = await pageText(alice, demoPage)
    expect(visible(before)).toContain('A user without a second factor needs a one-time code from you')

    const issued = await alice.postForm(`${demoPage}/invite`, { csrf: csrfTokenIn(before) })
    expect(issued.status).toBe(200)
    expect(issued.headers.get('cache-control')).toBe('no-store')
    const page = await issued.text()
    const code = /<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<\/code>/.exec(page)?.[1]
    expect(code).toBeDefined()
    expect(visible(page)).toContain('A code is outstanding until 30 Nov 2026, 09:00 UTC')
    expect(visible(page)).toContain('By an administrator Invite issued 127.0.0.1')

    // Shown on that response only: the page afterwards, the log and the store do not hold it.
    const later = await pageText(alice, demoPage)
    expect(later).not.toContain(code as string)
    expect(demo.gateway.logText()).not.toContain(code as string)
    expect(demo.gateway.logText()).not.toContain((code as string).replaceAll('-', ''))
    expect(demo.gateway.logs).toContainEqual(
      expect.objectContaining({ event: 'admin', result: 'invite_issued', user: 'demo', actor: 'alice' }),
    )
    const stored = (await demo.gateway.store.get(keys.enrollmentInvite('demo'))) ?? ''
    expect(stored).not.toBe('')
    expect(stored).not.toContain((code as string).replaceAll('-', ''))

    // It is the real code: it redeems once for demo.
    const invites = new EnrollmentInvites(
      demo.gateway.store,
      demo.gateway.clock,
      testEncryptionKey,
      86_400_000,
    )
    expect((await invites.redeem('alice', code as string)).ok).toBe(false)
    expect((await invites.redeem('demo', code as string)).ok).toBe(true)
    expect((await invites.redeem('demo', code as string)).ok).toBe(false)
  })

  it('replaces the outstanding code when a new one is issued', async () => {
    const alice = await adminSignedIn()
    await signInWithPassword(new BrowserClient(demo.gateway.url))
    const csrf = csrfTokenIn(await pageText(alice, demoPage))
    const codeIn = async () =>
      /<code>([0-9A-Z-]{14})<\/code>/.exec(
        await (await alice.postForm(`${demoPage}/invite`, { csrf })).text(),
      )?.[1]
    const first = (await codeIn()) as string
    const second = (await codeIn()) as string
    expect(second).not.toBe(first)
    const invites = new EnrollmentInvites(
      demo.gateway.store,
      demo.gateway.clock,
      testEncryptionKey,
      86_400_000,
    )
    expect((await invites.redeem('demo', first)).ok).toBe(false)
    expect((await invites.redeem('demo', second)).ok).toBe(true)
  })

  it('withdraws an outstanding code when the user is reset', async () => {
    const alice = await adminSignedIn()
    await signInWithPassword(new BrowserClient(demo.gateway.url))
    const issued = await alice.postForm(`${demoPage}/invite`, {
      csrf: csrfTokenIn(await pageText(alice, demoPage)),
    })
    const code = /<code>([0-9A-Z-]{14})<\/code>/.exec(await issued.text())?.[1] as string
    const reset = await alice.postForm(`${demoPage}/reset`, {
      csrf: csrfTokenIn(await pageText(alice, demoPage)),
      reason: 'phone stolen, identity checked by phone call',
    })
    expect(reset.status).toBe(303)
    expect(visible(await pageText(alice, demoPage))).not.toContain('A code is outstanding')
    expect((await demo.gateway.services.invites.redeem('demo', code)).ok).toBe(false)
  })
})

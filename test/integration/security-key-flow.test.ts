import { describe, expect, it } from 'vitest'
import { keys } from '../../gateway/store/keys.ts'
import { BrowserClient, csrfMetaIn, csrfTokenIn, formActionIn } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import {
  answerOf,
  enrollSecurityKey,
  KeyCeremonies,
  signInWithSecurityKey,
} from '../support/security-keys.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import { SoftAuthenticator } from '../support/soft-authenticator.ts'
import { totpCode } from '../support/totp-codes.ts'

/**
 * Security keys through the whole gateway, at the HTTP level: the JSON ceremony endpoints under
 * `/_tapgate/webauthn/` as web/webauthn.ts calls them (CSRF token from the page's meta tag, Origin
 * = the public origin), with a SoftAuthenticator in the browser's place. Proven here: a key as the
 * first factor releases the panel cookie and rotates the session; the 2fa page offers exactly the
 * factors a user has; challenges are single-use and bound to the session; an unregistered key and a
 * cloned key are refused (the one counted toward lockout, the other logged as a warning); a pending
 * user cannot add a key once they have a factor; the account page renames keys and never removes
 * the last factor; and the endpoints answer JSON, not login pages, when the session or token is off.
 *
 * public_url is http://localhost:<port>: an IP address is not a valid RP ID.
 */
const demo = useDemoGateway({ publicHost: 'localhost' })
const newBrowser = () => new BrowserClient(demo.gateway.url, demo.gateway.publicOrigin)

/** Where an HTML request for the panel's dashboard ends up: 200 only with a verified session. */
async function dashboardFor(browser: BrowserClient): Promise<number | string | null> {
  const response = await browser.get('/dashboard')
  return response.status === 200 ? 200 : response.headers.get('location')
}

/** A user who enrolled a new key, signed out and signed in again with the password: at the 2fa page. */
async function atSecondStepWithKey() {
  const key = new SoftAuthenticator()
  const browser = newBrowser()
  await enrollSecurityKey(browser, key)
  await browser.get('/logout')
  await signInWithPassword(browser)
  return { key, browser, ceremonies: await KeyCeremonies.on(browser, '/_tapgate/2fa') }
}

describe('a security key as the second factor', () => {
  it('enrolls a key as the first factor: panel cookie released, session rotated, dashboard reached', async () => {
    const browser = newBrowser()
    await signInWithPassword(browser)
    expect((await browser.get('/_tapgate/2fa')).headers.get('location')).toBe('/_tapgate/enroll')
    const page = await (await browser.get('/_tapgate/enroll')).text()
    expect(page).toContain('data-webauthn="register"')
    expect(browser.cookies.has('PANELSESSID')).toBe(false)

    const ceremonies = new KeyCeremonies(browser, csrfMetaIn(page))
    const options = await ceremonies.registrationOptions()
    expect(options.rp).toEqual({ id: 'localhost', name: 'tapgate' })
    expect(options.excludeCredentials).toEqual([])
    const key = new SoftAuthenticator()
    const pendingToken = browser.cookies.get('tapgate_session') ?? ''
    const done = await ceremonies.post('registration', {
      response: await key.register(options, demo.gateway.publicOrigin),
      name: 'Blue YubiKey',
    })
    expect(done.status).toBe(200)
    expect(await answerOf(done)).toEqual({ redirect: '/_tapgate/recovery-codes' })
    expect(done.headers.getSetCookie().some((c) => c.startsWith('PANELSESSID='))).toBe(false)
    expect(browser.cookies.get('tapgate_session')).not.toBe(pendingToken)

    const dashboard = await browser.get('/dashboard')
    expect(dashboard.status).toBe(200)
    expect(await dashboard.text()).toContain('Welcome, demo')
    // The pending token died with the rotation: whoever saw it holds nothing.
    const stale = newBrowser()
    stale.cookies.set('tapgate_session', pendingToken)
    expect(await dashboardFor(stale)).toBe('/login')
    expect(demo.gateway.logs).toContainEqual(
      expect.objectContaining({ event: 'enrollment', factor: 'webauthn', result: 'success', user: 'demo' }),
    )
  })

  it('offers only the key on the 2fa page of a user who has only a key, and the key signs in', async () => {
    const key = new SoftAuthenticator()
    const browser = newBrowser()
    await enrollSecurityKey(browser, key)
    expect((await browser.get('/logout')).status).toBe(302)
    expect(browser.cookies.has('tapgate_session')).toBe(false)

    await signInWithPassword(browser)
    expect(await dashboardFor(browser)).toBe('/_tapgate/2fa')
    const challenge = await browser.get('/_tapgate/2fa')
    expect(challenge.status).toBe(200)
    const page = await challenge.text()
    expect(page).toContain('data-webauthn="authenticate"')
    expect(page).toContain('Use security key')
    expect(page).not.toContain('name="code"')
    expect(page).not.toContain('action="/_tapgate/2fa"')
    // The recovery codes made at enrollment are the way back in without the key.
    expect(page).toContain('href="/_tapgate/2fa?method=recovery_code"')

    const ceremonies = new KeyCeremonies(browser, csrfMetaIn(page))
    const options = await ceremonies.authenticationOptions()
    expect(options.rpId).toBe('localhost')
    expect(options.allowCredentials).toMatchObject([{ id: key.credentialId, type: 'public-key' }])
    const pendingToken = browser.cookies.get('tapgate_session')
    const done = await ceremonies.post('authentication', {
      response: await key.authenticate(options, demo.gateway.publicOrigin),
    })
    expect(done.status).toBe(200)
    expect(await answerOf(done)).toEqual({ redirect: '/dashboard' })
    expect(done.headers.getSetCookie().some((c) => c.startsWith('PANELSESSID='))).toBe(false)
    expect(browser.cookies.get('tapgate_session')).not.toBe(pendingToken)
    expect(await dashboardFor(browser)).toBe(200)
  })

  it('uses each challenge once: after a refused answer, or once it expired, even a genuine one fails', async () => {
    const { key, browser, ceremonies } = await atSecondStepWithKey()
    const origin = demo.gateway.publicOrigin

    // An answer made on a look-alike site spends the challenge it was given.
    const options = await ceremonies.authenticationOptions()
    const phished = await ceremonies.post('authentication', {
      response: await key.authenticate(options, 'http://localhost.evil.example'),
    })
    expect(phished.status).toBe(401)
    expect((await answerOf(phished)).error).toBe('wrong_origin')
    const reused = await ceremonies.post('authentication', {
      response: await key.authenticate(options, origin),
    })
    expect(reused.status).toBe(401)
    expect(await answerOf(reused)).toEqual({
      error: 'no_challenge',
      message: 'The request expired. Try again.',
    })

    const slow = await ceremonies.authenticationOptions()
    demo.gateway.clock.advance(2 * 60_000)
    const late = await ceremonies.post('authentication', { response: await key.authenticate(slow, origin) })
    expect(late.status).toBe(401)
    expect((await answerOf(late)).error).toBe('no_challenge')
    expect(await dashboardFor(browser)).toBe('/_tapgate/2fa')

    // A captured assertion that did sign in is worth nothing to another pending session.
    const fresh = await ceremonies.authenticationOptions()
    const genuine = await key.authenticate(fresh, origin)
    expect((await ceremonies.post('authentication', { response: genuine })).status).toBe(200)
    const attacker = newBrowser()
    await signInWithPassword(attacker)
    const replayer = await KeyCeremonies.on(attacker, '/_tapgate/2fa')
    const replayed = await replayer.post('authentication', { response: genuine })
    expect(replayed.status).toBe(401)
    expect((await answerOf(replayed)).error).toBe('no_challenge')
    await replayer.authenticationOptions()
    const againstOwn = await replayer.post('authentication', { response: genuine })
    expect(againstOwn.status).toBe(401)
    expect((await answerOf(againstOwn)).error).toBe('verification_failed')
    expect(await dashboardFor(attacker)).toBe('/_tapgate/2fa')
  })

  it('refuses an unregistered key with a clear message and counts each attempt toward lockout', async () => {
    const { key, browser, ceremonies } = await atSecondStepWithKey()
    const stranger = new SoftAuthenticator()

    for (let attempt = 1; attempt <= 5; attempt++) {
      // A tampered client answers although the options list another key; a real one would not.
      const refused = await ceremonies.authenticate(stranger, { ignoreAllowCredentials: true })
      expect(refused.status).toBe(401)
      expect(await answerOf(refused)).toEqual({
        error: 'unknown_credential',
        message: 'This security key is not registered for your account. Use a key you added here.',
      })
      expect(await demo.gateway.store.get(keys.failuresOfUser('demo'))).toBe(String(attempt))
    }
    expect(demo.gateway.logs).toContainEqual(
      expect.objectContaining({ event: 'second_factor', factor: 'webauthn', result: 'unknown_credential' }),
    )
    expect(demo.gateway.logs).toContainEqual(
      expect.objectContaining({ event: 'lockout', subject: 'user_at_ip', user: 'demo', factor: 'webauthn' }),
    )
    // Locked out: the right key is refused too until the ban ends.
    const locked = await ceremonies.authenticate(key)
    expect(locked.status).toBe(429)
    expect((await answerOf(locked)).error).toBe('locked')
    expect(await dashboardFor(browser)).toBe('/_tapgate/2fa')
  })

  it('refuses a cloned key whose counter lags behind and logs counter_regression as a warning', async () => {
    const key = new SoftAuthenticator()
    const browser = newBrowser()
    await enrollSecurityKey(browser, key)
    const clone = key.clone()
    for (let login = 0; login < 2; login++) {
      await browser.get('/logout')
      await signInWithSecurityKey(browser, key)
    }
    expect(key.counter).toBe(3)

    const attacker = newBrowser()
    await signInWithPassword(attacker)
    const refused = await (await KeyCeremonies.on(attacker, '/_tapgate/2fa')).authenticate(clone)
    expect(clone.counter).toBe(2)
    expect(refused.status).toBe(401)
    expect(await answerOf(refused)).toEqual({
      error: 'counter_regression',
      message: 'This security key could not be verified. If it keeps happening, contact support.',
    })
    expect(await dashboardFor(attacker)).toBe('/_tapgate/2fa')
    const alarms = demo.gateway.logs.filter((l) => l.result === 'counter_regression')
    expect(alarms).toHaveLength(1)
    expect(alarms[0]).toMatchObject({ level: 40, event: 'second_factor', user: 'demo', factor: 'webauthn' })
    expect(alarms[0]?.msg).toContain('cloned')

    // The genuine key, whose count moved on, still signs in.
    await browser.get('/logout')
    await signInWithSecurityKey(browser, key)
  })

  it('lets no pending user with a factor register a key (403); a verified session may add one', async () => {
    const { key, browser, ceremonies: pending } = await atSecondStepWithKey()

    const options = await pending.post('registration/options')
    expect(options.status).toBe(403)
    expect((await answerOf(options)).error).toBe('forbidden')
    const registration = await pending.post('registration', {
      response: await new SoftAuthenticator().register(
        {
          challenge: 'bm90LWlzc3VlZC1ieS10YXBnYXRl',
          rp: { id: 'localhost', name: 'tapgate' },
          user: { id: 'dXNlcg', name: 'demo', displayName: 'demo' },
          pubKeyCredParams: [{ alg: -7, type: 'public-key' }],
        },
        demo.gateway.publicOrigin,
      ),
      name: 'Thief key',
    })
    expect(registration.status).toBe(403)
    const names = (await demo.gateway.services.webauthn?.credentialsOf('demo'))?.map((c) => c.name)
    expect(names).toHaveLength(1)
    expect(names).not.toContain('Thief key')

    expect((await pending.authenticate(key)).status).toBe(200)
    const verified = await KeyCeremonies.on(browser, '/_tapgate/account')
    const again = await verified.registrationOptions()
    expect(again.excludeCredentials).toMatchObject([{ id: key.credentialId }])
    const twice = await verified.post('registration', {
      response: await key.register(again, demo.gateway.publicOrigin, { ignoreExcludeCredentials: true }),
    })
    expect(twice.status).toBe(400)
    expect((await answerOf(twice)).error).toBe('already_registered')

    const added = await verified.register(new SoftAuthenticator(), 'Spare key')
    expect(added.status).toBe(200)
    expect(await answerOf(added)).toEqual({ redirect: '/_tapgate/account?notice=key_added' })
    const account = await (await browser.get('/_tapgate/account?notice=key_added')).text()
    expect(account).toContain('Security key added.')
    expect(account).toContain('Spare key')
  })

  it('lists keys on the account page, renames one, and removes one only while another factor remains', async () => {
    const first = new SoftAuthenticator()
    const browser = newBrowser()
    await enrollSecurityKey(browser, first, 'Blue YubiKey')
    let page = await (await browser.get('/_tapgate/account')).text()
    expect(page).toContain('<h3 class="key-name">Blue YubiKey</h3>')
    expect(page).toContain('Never used')
    expect(page).toContain('You cannot remove your only way to sign in.')
    const csrf = csrfTokenIn(page)

    const lastOne = await browser.postForm('/_tapgate/account/keys/remove', { csrf, id: first.credentialId })
    expect(lastOne.status).toBe(400)
    expect(await lastOne.text()).toContain(
      'You cannot remove your only way to sign in. Add another method first.',
    )
    const ids = (await demo.gateway.services.webauthn?.credentialsOf('demo'))?.map((c) => c.id)
    expect(ids).toEqual([first.credentialId])

    const renamed = await browser.postForm('/_tapgate/account/keys/rename', {
      csrf,
      id: first.credentialId,
      name: '  Work \t key ',
    })
    expect(renamed.status).toBe(303)
    expect(renamed.headers.get('location')).toBe('/_tapgate/account?notice=key_renamed')
    page = await (await browser.get('/_tapgate/account?notice=key_renamed')).text()
    expect(page).toContain('Security key renamed.')
    expect(page).toContain('<h3 class="key-name">Work key</h3>')
    expect(page).not.toContain('<h3 class="key-name">Blue YubiKey</h3>')

    const spare = new SoftAuthenticator()
    expect(
      (await (await KeyCeremonies.on(browser, '/_tapgate/account')).register(spare, 'Spare key')).status,
    ).toBe(200)
    const removed = await browser.postForm('/_tapgate/account/keys/remove', { csrf, id: first.credentialId })
    expect(removed.status).toBe(303)
    expect(removed.headers.get('location')).toBe('/_tapgate/account?notice=key_removed')
    page = await (await browser.get('/_tapgate/account?notice=key_removed')).text()
    expect(page).toContain('Security key removed.')
    expect(page).not.toContain('<h3 class="key-name">Work key</h3>')
    expect(page).toContain('<h3 class="key-name">Spare key</h3>')

    // The removed key no longer opens the account; the spare does.
    await browser.get('/logout')
    await signInWithPassword(browser)
    const ceremonies = await KeyCeremonies.on(browser, '/_tapgate/2fa')
    const gone = await ceremonies.authenticate(first, { ignoreAllowCredentials: true })
    expect((await answerOf(gone)).error).toBe('unknown_credential')
    expect((await ceremonies.authenticate(spare)).status).toBe(200)
  })

  it('answers the JSON endpoints with 401 session_expired without a session, 403 without the CSRF token', async () => {
    const anonymous = newBrowser()
    for (const endpoint of ['registration/options', 'authentication/options', 'authentication']) {
      const response = await anonymous.postJson(`/_tapgate/webauthn/${endpoint}`, {})
      expect(response.status).toBe(401)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      expect(await answerOf(response)).toEqual({
        error: 'session_expired',
        message:
          'For your security, a sign-in ends when it is not completed or used for a while. Sign in again.',
      })
    }

    const browser = newBrowser()
    await signInWithPassword(browser)
    const csrf = csrfMetaIn(await (await browser.get('/_tapgate/enroll')).text())
    const other = newBrowser()
    await signInWithPassword(other)
    const othersCsrf = csrfMetaIn(await (await other.get('/_tapgate/enroll')).text())
    const endpoint = '/_tapgate/webauthn/registration/options'
    const offTokens: Record<string, string>[] = [
      {},
      { 'x-csrf-token': 'forged' },
      { 'x-csrf-token': othersCsrf },
      { 'x-csrf-token': csrf, origin: 'http://evil.example' },
      { 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' },
    ]
    for (const headers of offTokens) {
      const refused = await browser.postJson(endpoint, {}, headers)
      expect(refused.status).toBe(403)
      expect((await answerOf(refused)).error).toBe('cross_site')
    }
    expect(demo.gateway.logs.filter((l) => l.event === 'csrf_rejected')).toHaveLength(5)
    expect((await browser.postJson(endpoint, {}, { 'x-csrf-token': csrf })).status).toBe(200)

    // A page left open past the pending session's life gets an answer the script can show.
    demo.gateway.clock.advance(5 * 60_000)
    const expired = await browser.postJson(endpoint, {}, { 'x-csrf-token': csrf })
    expect(expired.status).toBe(401)
    expect((await answerOf(expired)).error).toBe('session_expired')
  })

  it('shows the key to a user who has both, the code form under "Try another way", and either signs in', async () => {
    const browser = newBrowser()
    const secret = await enrollTotp(browser, demo.gateway.clock)
    const key = new SoftAuthenticator()
    const added = await (await KeyCeremonies.on(browser, '/_tapgate/account')).register(key, 'Blue YubiKey')
    expect(added.status).toBe(200)

    await browser.get('/logout')
    await signInWithPassword(browser)
    const page = await (await browser.get('/_tapgate/2fa')).text()
    expect(page).toContain('data-webauthn="authenticate"')
    expect(page).toContain('Use security key')
    expect(page).not.toContain('name="code"')
    expect(page).toContain('href="/_tapgate/2fa?method=totp"')
    expect((await new KeyCeremonies(browser, csrfMetaIn(page)).authenticate(key)).status).toBe(200)

    await browser.get('/logout')
    await signInWithPassword(browser)
    demo.gateway.clock.advance(30_000)
    const codePage = await (await browser.get('/_tapgate/2fa?method=totp')).text()
    expect(codePage).toContain('name="code"')
    expect(formActionIn(codePage)).toBe('/_tapgate/2fa')
    expect(codePage).toContain('href="/_tapgate/2fa?method=webauthn"')
    const byCode = await browser.postForm('/_tapgate/2fa', {
      csrf: csrfTokenIn(codePage),
      code: await totpCode(secret, demo.gateway.clock),
    })
    expect(byCode.status).toBe(303)
    expect(byCode.headers.get('location')).toBe('/dashboard')
    expect(await dashboardFor(browser)).toBe(200)
  })

  it('confirms a verified user with their key (step-up) before they may add another', async () => {
    const key = new SoftAuthenticator()
    const browser = newBrowser()
    await enrollSecurityKey(browser, key)
    demo.gateway.clock.advance(5 * 60_000 + 1)
    const account = await KeyCeremonies.on(browser, '/_tapgate/account')
    expect((await account.post('registration/options')).status).toBe(403)

    const confirmed = await (await KeyCeremonies.on(browser, '/_tapgate/2fa')).authenticate(key)
    expect(await answerOf(confirmed)).toEqual({ redirect: '/_tapgate/account' })
    expect((await account.register(new SoftAuthenticator(), 'Spare')).status).toBe(200)
  })
})

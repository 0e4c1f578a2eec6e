import { mkdtempSync, renameSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hash } from '@node-rs/argon2'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { argon2Options } from '../../gateway/first-factor/local-users.ts'
import { BrowserClient, csrfMetaIn, csrfTokenIn } from '../support/browser-client.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { PasskeyCeremonies } from '../support/passkeys.ts'
import { KeyCeremonies } from '../support/security-keys.ts'
import { SoftAuthenticator } from '../support/soft-authenticator.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts'
import { waitFor } from '../support/wait-for.ts'

/**
 * Issue 16, "Passkey sign-in in local mode": with `factors.webauthn.passwordless`, tapgate's own
 * sign-in page takes a passkey (a discoverable credential, the user verified by the key) instead of
 * the password and the second factor. The SoftAuthenticator plays the browser and the key; the
 * ceremony in a real browser is test/e2e/passkey-journey.test.ts.
 *
 * @see issue 16 (passkey sign-in in local mode)
 */
const maxFailures = 3
let upstream: RecordingUpstream
let gateway: TestGateway
let dir: string
let usersFile: string
const hashes: Record<string, string> = {}

function writeUsers(users: Record<string, Record<string, unknown>>) {
  const staged = join(dir, 'users.yaml.new')
  writeFileSync(staged, JSON.stringify({ users }))
  renameSync(staged, usersFile)
}

const standardUsers = () => ({
  alice: { password: hashes.alice },
  carol: { password: hashes.carol },
})

function startGateway(webauthn: Record<string, unknown> = { passwordless: true }) {
  return startTestGateway({
    upstreamUrl: upstream.url,
    publicHost: 'localhost',
    config: {
      first_factor: { mode: 'local', users_file: usersFile },
      trusted_proxies: ['127.0.0.1'],
      regulation: { max_failures: maxFailures },
      factors: { webauthn },
    },
  })
}

beforeAll(async () => {
  upstream = await startRecordingUpstream()
  for (const name of ['alice', 'carol']) hashes[name] = await hash(`${name}-password`, argon2Options)
})
afterAll(() => upstream.close())
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tapgate-passkeys-'))
  usersFile = join(dir, 'users.yaml')
  writeUsers(standardUsers())
  gateway = await startGateway()
})
afterEach(async () => {
  await gateway.close()
  await rm(dir, { recursive: true, force: true })
})

/** A browser at its own address (the gateway believes X-Forwarded-For from the loopback proxy). */
function browserAt(address = '203.0.113.10'): BrowserClient {
  return new BrowserClient(gateway.url, gateway.publicOrigin, { 'x-forwarded-for': address })
}

async function signInWithPassword(browser: BrowserClient, user: string, password = `${user}-password`) {
  const page = await (await browser.get('/_tapgate/login')).text()
  return browser.postForm('/_tapgate/login', { csrf: csrfTokenIn(page), username: user, password })
}

/** The password, then a key added as the first factor on the enrollment page: the user's passkey. */
async function enrollPasskey(user: string, key = new SoftAuthenticator()): Promise<SoftAuthenticator> {
  const browser = browserAt('203.0.113.1')
  expect((await signInWithPassword(browser, user)).headers.get('location')).toBe('/_tapgate/2fa')
  const done = await (await KeyCeremonies.on(browser, '/_tapgate/enroll')).register(key, 'Passkey')
  expect(done.status).toBe(200)
  expect(key.discoverable).toBe(true)
  return key
}

async function answerOf(response: Response) {
  return (await response.json()) as { redirect?: string; error?: string; message?: string }
}

describe('the sign-in page with passwordless on', () => {
  it('offers "Sign in with a passkey" and passkeys in the username field’s autofill', async () => {
    const html = await (await browserAt().get('/_tapgate/login')).text()
    expect(html).toContain('autocomplete="username webauthn"')
    expect(html).toMatch(/<button[^>]*data-passkey-sign-in=""[^>]*data-endpoint="\/_tapgate\/login\/passkey"/)
    expect(html).toContain('Sign in with a passkey')
    // The script's token is the form's: both are bound to this page's form id.
    expect(csrfMetaIn(html)).toBe(csrfTokenIn(html))
    expect(html).toContain('<script type="module" src="/_tapgate/assets/app.js"></script>')
  })

  it('registers every new key as a passkey: resident key and user verification required', async () => {
    const browser = browserAt()
    await signInWithPassword(browser, 'alice')
    const options = await (await KeyCeremonies.on(browser, '/_tapgate/enroll')).registrationOptions()
    expect(options.authenticatorSelection).toMatchObject({
      residentKey: 'required',
      requireResidentKey: true,
      userVerification: 'required',
    })
  })
})

describe('signing in with a passkey alone', () => {
  it('counts as both factors: the panel hears who, and the history names the passkey', async () => {
    const key = await enrollPasskey('alice')
    const browser = browserAt()
    const passkeys = await PasskeyCeremonies.on(browser)
    const options = await passkeys.options()
    expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'required' })
    expect(options.allowCredentials ?? []).toEqual([])

    const done = await passkeys.post('', {
      response: await key.authenticate(options, browser.publicOrigin),
      trustDevice: true,
      returnTo: '/echo/dashboard?tab=2',
    })
    expect(done.status).toBe(200)
    expect(await answerOf(done)).toEqual({ redirect: '/echo/dashboard?tab=2' })
    const cookies = done.headers.getSetCookie().join('\n')
    expect(cookies).toMatch(/^tapgate_session=/m)
    expect(cookies).toMatch(/^tapgate_device=/m)

    const panel = await browser.get('/echo/dashboard?tab=2')
    expect(panel.status).toBe(200)
    expect(upstream.requests.at(-1)?.headers['remote-user']).toBe('alice')
    const [second, first] = await gateway.services.history.of('alice')
    expect(first).toMatchObject({ event: 'first_factor', factor: 'passkey', result: 'success' })
    expect(second).toMatchObject({ event: 'second_factor', factor: 'passkey', result: 'success' })
    expect(await gateway.services.trustedDevices.of('alice')).toHaveLength(1)
    expect(await gateway.services.webauthn?.credentialsOf('alice')).toMatchObject([{ counter: 2 }])
  })

  it('sends the user nowhere but this site: a foreign returnTo becomes /', async () => {
    const key = await enrollPasskey('alice')
    const passkeys = await PasskeyCeremonies.on(browserAt())
    const done = await passkeys.signIn(key, {}, { returnTo: '//evil.example/x' })
    expect(await answerOf(done)).toEqual({ redirect: '/' })
  })
})

/**
 * A forged page must not sign a victim in, nor make tapgate hand out or spend challenges: both calls
 * need the sign-in page's form cookie, its token and a same-origin request. Refused, they change
 * nothing: the challenge handed out before is still there for the real page.
 */
describe('CSRF on both calls', () => {
  it('refuses the options without the page’s token, with another page’s, cross-site, or without the form cookie', async () => {
    const browser = browserAt()
    const passkeys = await PasskeyCeremonies.on(browser)
    const other = await PasskeyCeremonies.on(browserAt())
    const refusals = [
      await browser.postJson('/_tapgate/login/passkey/options', {}),
      await passkeys.post('/options', {}, { 'x-csrf-token': other.csrf }),
      await passkeys.post('/options', {}, { 'sec-fetch-site': 'cross-site' }),
      await passkeys.post('/options', {}, { origin: 'https://evil.example' }),
      await new PasskeyCeremonies(browserAt(), passkeys.csrf).post('/options'),
    ]
    for (const refused of refusals) {
      expect(refused.status).toBe(403)
      expect(await answerOf(refused)).toMatchObject({ error: 'cross_site' })
    }
    expect(gateway.logs.filter((line) => line.event === 'csrf_rejected')).toHaveLength(refusals.length)
  })

  it('refuses the assertion without the token, and a refusal spends nothing', async () => {
    const key = await enrollPasskey('alice')
    const browser = browserAt()
    const passkeys = await PasskeyCeremonies.on(browser)
    const body = { response: await passkeys.assertion(key) }
    const refused = [
      await browser.postJson('/_tapgate/login/passkey', body),
      await passkeys.post('', body, { 'sec-fetch-site': 'cross-site' }),
    ]
    for (const response of refused) expect(response.status).toBe(403)
    expect(browser.cookies.has('tapgate_session')).toBe(false)
    expect(await gateway.services.history.of('alice')).not.toContainEqual(
      expect.objectContaining({ factor: 'passkey' }),
    )
    const done = await passkeys.post('', body)
    expect(done.status).toBe(200)
  })

  it('answers a body that is not JSON with 400', async () => {
    const passkeys = await PasskeyCeremonies.on(browserAt())
    const garbled = await passkeys.browser.request('/_tapgate/login/passkey', {
      method: 'POST',
      body: '{"response":',
      headers: {
        accept: '*/*',
        'content-type': 'application/json',
        origin: passkeys.browser.publicOrigin,
        'x-csrf-token': passkeys.csrf,
      },
    })
    expect(garbled.status).toBe(400)
  })
})

describe('what a passkey sign-in refuses', () => {
  it('a replayed assertion: the challenge was spent, and the replay counts against the user', async () => {
    const key = await enrollPasskey('alice')
    const passkeys = await PasskeyCeremonies.on(browserAt())
    const body = { response: await passkeys.assertion(key) }
    expect((await passkeys.post('', body)).status).toBe(200)
    const replay = await passkeys.post('', body)
    expect(replay.status).toBe(401)
    expect(await answerOf(replay)).toEqual({
      error: 'no_challenge',
      message: 'The request expired. Try again.',
    })
    expect((await gateway.services.history.of('alice'))[0]).toMatchObject({
      event: 'second_factor',
      factor: 'passkey',
      result: 'no_challenge',
    })
  })

  it('an assertion without user verification (a key that skipped its PIN)', async () => {
    const key = await enrollPasskey('alice')
    const passkeys = await PasskeyCeremonies.on(browserAt())
    const refused = await passkeys.signIn(key, { userVerified: false })
    expect(refused.status).toBe(401)
    expect(await answerOf(refused)).toMatchObject({ error: 'user_not_verified' })
    expect(passkeys.browser.cookies.has('tapgate_session')).toBe(false)
  })

  it('a key that is not discoverable: it cannot name its user', async () => {
    const key = await enrollPasskey('alice')
    const refused = await (await PasskeyCeremonies.on(browserAt())).signIn(key, { userHandle: null })
    expect(refused.status).toBe(401)
    expect(await answerOf(refused)).toMatchObject({ error: 'not_discoverable' })
  })

  it('a key nobody registered, in the same words as a user who may not sign in', async () => {
    await enrollPasskey('alice')
    const refused = await (await PasskeyCeremonies.on(browserAt())).signIn(new SoftAuthenticator())
    expect(refused.status).toBe(401)
    expect(await answerOf(refused)).toEqual({
      error: 'unknown_credential',
      message: 'This passkey cannot sign in here. Sign in with your username and password.',
    })
  })

  it('a user disabled in the users file, or removed from it', async () => {
    const key = await enrollPasskey('alice')
    const users = gateway.services.localUsers
    if (users === null) throw new Error('local mode expected')
    writeUsers({ ...standardUsers(), alice: { password: hashes.alice, disabled: true } })
    await waitFor(async () => expect(users.find('alice')?.disabled).toBe(true))
    const disabled = await (await PasskeyCeremonies.on(browserAt())).signIn(key)
    expect(disabled.status).toBe(401)
    expect(await answerOf(disabled)).toMatchObject({ error: 'unknown_credential' })

    writeUsers({ carol: standardUsers().carol })
    await waitFor(async () => expect(users.find('alice')).toBeNull())
    const removed = await (await PasskeyCeremonies.on(browserAt())).signIn(key)
    expect(removed.status).toBe(401)
    const refusals = (await gateway.services.history.of('alice')).filter((e) => e.factor === 'passkey')
    expect(refusals.map((e) => e.result)).toEqual(['account_disabled', 'account_disabled'])
  })
})

describe('lockouts', () => {
  it(`${maxFailures} failed assertions lock the user out at that address; then even the right passkey gets 429`, async () => {
    const key = await enrollPasskey('alice')
    const passkeys = await PasskeyCeremonies.on(browserAt('203.0.113.20'))
    for (let attempt = 1; attempt <= maxFailures; attempt++) {
      expect((await passkeys.signIn(key, { userVerified: false })).status).toBe(401)
    }
    const locked = await passkeys.signIn(key)
    expect(locked.status).toBe(429)
    expect(locked.headers.get('retry-after')).not.toBeNull()
    expect(await answerOf(locked)).toMatchObject({ error: 'locked' })
    expect(passkeys.browser.cookies.has('tapgate_session')).toBe(false)
    // Another address, with no failures of alice's: not held back (a lockout is not a weapon).
    expect((await (await PasskeyCeremonies.on(browserAt('203.0.113.21'))).signIn(key)).status).toBe(200)
  })

  it('a user locked out by wrong passwords from this address cannot use the passkey there either', async () => {
    const key = await enrollPasskey('alice')
    const guesser = browserAt('203.0.113.30')
    for (let attempt = 1; attempt <= maxFailures; attempt++) {
      expect((await signInWithPassword(guesser, 'alice', 'wrong')).status).toBe(401)
    }
    const locked = await (await PasskeyCeremonies.on(guesser)).signIn(key)
    expect(locked.status).toBe(429)
  })
})

describe('with passwordless off', () => {
  it('offers no passkey, and the passkey addresses are 404', async () => {
    await gateway.close()
    gateway = await startGateway({})
    const browser = browserAt()
    const html = await (await browser.get('/_tapgate/login')).text()
    expect(html).toContain('autocomplete="username"')
    expect(html).not.toContain('webauthn"')
    expect(html).not.toContain('data-passkey-sign-in')
    const csrf = csrfTokenIn(html)
    for (const path of ['/_tapgate/login/passkey/options', '/_tapgate/login/passkey']) {
      const response = await browser.postJson(path, {}, { 'x-csrf-token': csrf })
      expect(response.status, path).toBe(404)
    }
  })

  it('registers keys as configured (resident_key, user_verification)', async () => {
    await gateway.close()
    gateway = await startGateway({})
    const browser = browserAt()
    await signInWithPassword(browser, 'alice')
    const options = await (await KeyCeremonies.on(browser, '/_tapgate/enroll')).registrationOptions()
    expect(options.authenticatorSelection).toMatchObject({
      residentKey: 'discouraged',
      userVerification: 'discouraged',
    })
  })
})

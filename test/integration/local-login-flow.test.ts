import { mkdtempSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hash } from '@node-rs/argon2'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { argon2Options } from '../../gateway/first-factor/local-users.ts'
import { BrowserClient, csrfTokenIn, formActionIn, totpSecretIn } from '../support/browser-client.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { totpCode } from '../support/totp-codes.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts'
import { waitFor } from '../support/wait-for.ts'

/**
 * first_factor.mode: local: tapgate's own sign-in page over a users file of argon2id hashes, in
 * front of a panel that trusts the identity headers. The panel hears who the user is only from a
 * verified session, never from the client; the file is reloaded when it changes.
 */
let upstream: RecordingUpstream
let gateway: TestGateway
let dir: string
let usersFile: string
const hashes: Record<string, string> = {}

function writeUsers(users: Record<string, Record<string, unknown>>) {
  // Written aside and renamed over the file, as editors and config management do.
  const staged = join(dir, 'users.yaml.new')
  writeFileSync(staged, JSON.stringify({ users }))
  renameSync(staged, usersFile)
}

const standardUsers = () => ({
  alice: {
    password: hashes.alice,
    displayname: 'Alice Liddell',
    email: 'alice@example.com',
    groups: ['customers', 'billing'],
  },
  bob: { password: hashes.bob, disabled: true },
  backup: { password: hashes.backup, groups: ['service'] },
})

beforeAll(async () => {
  upstream = await startRecordingUpstream()
  for (const name of ['alice', 'bob', 'backup', 'alice-new']) {
    hashes[name] = await hash(`${name}-password`, argon2Options)
  }
})
afterAll(() => upstream.close())
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tapgate-local-'))
  usersFile = join(dir, 'users.yaml')
  writeUsers(standardUsers())
  gateway = await startTestGateway({
    upstreamUrl: upstream.url,
    config: {
      first_factor: { mode: 'local', users_file: usersFile },
      enrollment: { exempt_groups: ['service'] },
    },
  })
})
afterEach(() => gateway.close())

async function logIn(browser: BrowserClient, fields: Record<string, string>, rd?: string) {
  const page = await (await browser.get(`/_tapgate/login${rd ? `?rd=${encodeURIComponent(rd)}` : ''}`)).text()
  const hidden = /name="rd" value="([^"]*)"/.exec(page)?.[1]
  return browser.postForm('/_tapgate/login', {
    csrf: csrfTokenIn(page),
    ...(hidden === undefined ? {} : { rd: hidden.replaceAll('&amp;', '&') }),
    ...fields,
  })
}

/** Password, then an authenticator app at enrollment: a verified session. Returns the TOTP secret. */
async function signInAndEnroll(browser: BrowserClient, rd?: string) {
  const loggedIn = await logIn(browser, { username: 'alice', password: 'alice-password' }, rd)
  expect(loggedIn.headers.get('location')).toBe('/_tapgate/2fa')
  expect((await browser.get('/_tapgate/2fa')).headers.get('location')).toBe('/_tapgate/enroll')
  const page = await (await browser.get('/_tapgate/enroll?method=totp')).text()
  const secret = totpSecretIn(page)
  const done = await browser.postForm(formActionIn(page), {
    csrf: csrfTokenIn(page),
    code: await totpCode(secret, gateway.clock),
  })
  expect(done.headers.get('location')).toBe('/_tapgate/recovery-codes')
  return secret
}

function lastUpstreamRequest() {
  const request = upstream.requests.at(-1)
  if (!request) throw new Error('the panel saw nothing')
  return request
}

describe('signing in on tapgate’s own page', () => {
  it('sends a browser without a session to the login page, remembering where it was going', async () => {
    const browser = new BrowserClient(gateway.url)
    const refused = await browser.get('/echo/dashboard?tab=2')
    expect(refused.status).toBe(302)
    expect(refused.headers.get('location')).toBe('/_tapgate/login?rd=%2Fecho%2Fdashboard%3Ftab%3D2')
    // The panel's own login page is no way in: it is protected like any other path.
    expect((await browser.get('/login')).headers.get('location')).toBe('/_tapgate/login?rd=%2Flogin')
    await browser.get('/api/x', { accept: 'application/json' })
    expect(lastUpstreamRequest().target).toBe('/api/x')
    const page = await (await browser.get('/_tapgate/login?rd=%2Fecho%2Fdashboard%3Ftab%3D2')).text()
    expect(page).toContain('<label class="label" for="token">')
    expect(page).toContain('Trust this device for 30 days')
  })

  it('takes the password, then the second factor, and tells the panel who the user is', async () => {
    const browser = new BrowserClient(gateway.url)
    await signInAndEnroll(browser, '/echo/dashboard?tab=2')
    const panel = await browser.get('/echo/dashboard?tab=2', {
      'remote-user': 'root',
      remote_user: 'root',
      'x-forwarded-user': 'root',
      'remote-groups': 'admins',
    })
    expect(panel.status).toBe(200)
    const { headers, rawHeaders } = lastUpstreamRequest()
    expect(headers['remote-user']).toBe('alice')
    expect(headers['remote-name']).toBe('Alice Liddell')
    expect(headers['remote-email']).toBe('alice@example.com')
    expect(headers['remote-groups']).toBe('customers,billing')
    expect(rawHeaders.filter((name) => /^remote[-_]user$/i.test(name))).toHaveLength(1)
    expect(headers['x-forwarded-user']).toBeUndefined()
    expect(headers.cookie ?? '').not.toMatch(/(^|; )tapgate_session=/)
  })

  it('never tells the panel an identity the client sent on a bypassed path', async () => {
    const browser = new BrowserClient(gateway.url)
    await browser.get('/api/x', { 'remote-user': 'root', 'x-auth-request-user': 'root' })
    const { headers } = lastUpstreamRequest()
    expect(headers['remote-user']).toBeUndefined()
    expect(headers['x-auth-request-user']).toBeUndefined()
  })

  it('accepts the code with the password in one step, and can trust the device', async () => {
    const browser = new BrowserClient(gateway.url)
    const secret = await signInAndEnroll(browser)
    await browser.get('/_tapgate/logout')
    browser.cookies.clear()
    gateway.clock.advance(30_000)
    const oneStep = await logIn(
      browser,
      {
        username: 'Alice',
        password: 'alice-password',
        token: await totpCode(secret, gateway.clock),
        trust_device: 'yes',
      },
      '/echo/dashboard',
    )
    expect(oneStep.headers.get('location')).toBe('/echo/dashboard')
    expect([...browser.cookies.keys()]).toContain('tapgate_device')
    expect((await browser.get('/echo/dashboard')).status).toBe(200)

    // The trusted browser skips the second factor next time.
    browser.cookies.delete('tapgate_session')
    const trusted = await logIn(browser, { username: 'alice', password: 'alice-password' })
    expect(trusted.headers.get('location')).toBe('/')
    const [entry] = await gateway.services.history.of('alice')
    expect(entry).toMatchObject({ event: 'second_factor', factor: 'trusted_device', result: 'success' })
  })

  it('refuses a wrong code with the password as it refuses a wrong password, and counts it', async () => {
    const browser = new BrowserClient(gateway.url)
    await signInAndEnroll(browser)
    const fresh = new BrowserClient(gateway.url)
    const wrong = await logIn(fresh, { username: 'alice', password: 'alice-password', token: '000000' })
    expect(wrong.status).toBe(401)
    expect(await wrong.text()).toContain('The username, password or code is not correct.')
    expect(fresh.cookies.has('tapgate_session')).toBe(false)
    const [entry] = await gateway.services.history.of('alice')
    expect(entry).toMatchObject({ event: 'second_factor', factor: 'totp', result: 'wrong_code' })
  })
})

describe('refusals', () => {
  it('says the same for a wrong password, an unknown user and a disabled one', async () => {
    for (const [username, password] of [
      ['alice', 'wrong'],
      ['nobody', 'nobody-password'],
      ['bob', 'bob-password'],
    ] as const) {
      const browser = new BrowserClient(gateway.url)
      const refused = await logIn(browser, { username, password })
      expect(refused.status).toBe(401)
      const page = await refused.text()
      expect(page).toContain('The username, password or code is not correct.')
      expect(page).toContain(`value="${username}"`)
      expect(page).not.toContain(password)
      expect(browser.cookies.has('tapgate_session')).toBe(false)
    }
    // Names in the users file get a history; made-up ones only a log line.
    expect((await gateway.services.history.of('alice'))[0]).toMatchObject({ result: 'wrong_password' })
    expect(await gateway.services.history.of('nobody')).toEqual([])
    expect(gateway.logs).toContainEqual(expect.objectContaining({ user: 'nobody', result: 'wrong_password' }))
  })

  it('refuses a form without its token, from another site, or with another browser’s token', async () => {
    const browser = new BrowserClient(gateway.url)
    const page = await (await browser.get('/_tapgate/login')).text()
    const fields = { username: 'alice', password: 'alice-password' }
    expect((await browser.postForm('/_tapgate/login', fields)).status).toBe(403)
    const crossSite = await browser.postForm(
      '/_tapgate/login',
      { ...fields, csrf: csrfTokenIn(page) },
      { origin: 'https://evil.example' },
    )
    expect(crossSite.status).toBe(403)
    const other = new BrowserClient(gateway.url)
    await other.get('/_tapgate/login')
    expect((await other.postForm('/_tapgate/login', { ...fields, csrf: csrfTokenIn(page) })).status).toBe(403)
    expect(browser.cookies.has('tapgate_session') || other.cookies.has('tapgate_session')).toBe(false)
  })

  it('ignores a destination on another site', async () => {
    const browser = new BrowserClient(gateway.url)
    const page = await (await browser.get('/_tapgate/login?rd=https://evil.example/')).text()
    expect(page).not.toContain('evil.example')
  })
})

describe('the users file', () => {
  it('lets an exempt group in on the password alone', async () => {
    const browser = new BrowserClient(gateway.url)
    const loggedIn = await logIn(browser, { username: 'backup', password: 'backup-password' }, '/api/x')
    expect(loggedIn.headers.get('location')).toBe('/api/x')
    expect((await browser.get('/echo/dashboard')).status).toBe(200)
    expect(lastUpstreamRequest().headers['remote-groups']).toBe('service')
  })

  it('ends the sessions and trusted devices of a user it no longer lists, or disables', async () => {
    // alice: verified and trusting her browser; backup (an exempt group): in on the password alone.
    const secret = await signInAndEnroll(new BrowserClient(gateway.url))
    gateway.clock.advance(30_000)
    const alice = new BrowserClient(gateway.url)
    const token = await totpCode(secret, gateway.clock)
    await logIn(alice, { username: 'alice', password: 'alice-password', token, trust_device: 'yes' })
    const backup = new BrowserClient(gateway.url)
    await logIn(backup, { username: 'backup', password: 'backup-password' })
    for (const browser of [alice, backup]) expect((await browser.get('/echo/dashboard')).status).toBe(200)

    const { backup: _removed, ...kept } = standardUsers()
    writeUsers({ ...kept, alice: { ...kept.alice, disabled: true } })
    for (const browser of [alice, backup]) {
      await waitFor(async () =>
        expect((await browser.get('/echo/dashboard')).headers.get('location')).toMatch(/^\/_tapgate\/login/),
      )
    }
    expect(await gateway.services.trustedDevices.of('alice')).toEqual([])
    expect(gateway.logs).toContainEqual(
      expect.objectContaining({ event: 'user_access_ended', user: 'alice', trustedDevices: 1 }),
    )
  })

  it('is read again when it changes, and a broken version changes nothing', async () => {
    const users = gateway.services.localUsers
    if (!users) throw new Error('local mode expected')
    writeUsers({ ...standardUsers(), alice: { password: hashes['alice-new'] } })
    await waitFor(async () => expect(users.find('alice')?.passwordHash).toBe(hashes['alice-new']))
    expect(await users.checkPassword('alice', 'alice-password')).toBeNull()
    expect(await users.checkPassword('alice', 'alice-new-password')).not.toBeNull()

    writeFileSync(usersFile, 'users: {alice: {password: not-a-hash}}')
    await waitFor(async () =>
      expect(gateway.logs).toContainEqual(expect.objectContaining({ event: 'users_reload_failed' })),
    )
    expect(await users.checkPassword('alice', 'alice-new-password')).not.toBeNull()
    expect(gateway.logText()).not.toContain(hashes['alice-new'])
  })
})

import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hash } from '@node-rs/argon2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SoftYubiKey } from '../../demo/soft-yubikey.ts'
import { tapgatePages } from '../../gateway/app.ts'
import { argon2Options } from '../../gateway/first-factor/local-users.ts'
import type { Services } from '../../gateway/services.ts'
import { keys as storeKeys } from '../../gateway/store/keys.ts'
import {
  BrowserClient,
  csrfMetaIn,
  csrfTokenIn,
  recoveryCodesIn,
  totpSecretIn,
} from '../support/browser-client.ts'
import { FixedClock } from '../support/clock.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { PasskeyCeremonies } from '../support/passkeys.ts'
import { KeyCeremonies } from '../support/security-keys.ts'
import {
  enterSignInCode,
  sendEnrollmentCode,
  sendSignInCode,
  useSmsSink,
  webhookTo,
} from '../support/sms-sink.ts'
import { SoftAuthenticator } from '../support/soft-authenticator.ts'
import { totpCode } from '../support/totp-codes.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts'
import { startValidationServer, type ValidationServer } from '../support/validation-server.ts'

/**
 * The attack (issue 15): a guesser looks for the one route that checks a code, a tap or a key
 * without counting the failure, and guesses there as long as they like. So every POST route tapgate
 * mounts is classified below, as a route that accepts a proof (with a driver that submits one wrong
 * proof in the right state, and a right one) or as one that accepts none (and why). A route nobody
 * classified fails the first test. For each proof route, `max_failures` wrong proofs from one
 * address lock that user there: the next attempt on the same route gets 429, even a right one.
 *
 * The routes are listed from the gateways the cases run on, whose configurations switch on every
 * optional route: tapgate's own sign-in page (local mode) with passkeys, every factor, forward-auth,
 * invites.
 * Each case has its own user (local mode's users file holds one per case) and its own address (the
 * gateways trust X-Forwarded-For from the loopback proxy), so the cases share two gateways.
 *
 * @see issue 15 (one attempt function; the account page's proofs were not counted)
 */
const maxFailures = 3
const prefix = '/_tapgate'

type Attempt = () => Promise<Response>
interface Attacker {
  gateway: TestGateway
  user: string
  /** A new browser at the attacker's address (several: a verified session and a pending one). */
  browser(): BrowserClient
}
/** Sets up the state the route checks a proof in; returns a wrong proof and a right one, ready to send. */
type Driver = (attacker: Attacker) => Promise<{ wrong: Attempt; right: Attempt }>
type RouteClass =
  | { proof: string; driver: Driver; gateway?: 'invite' }
  | { noProof: string; proof?: never; driver?: never }

const proof = (what: string, driver: Driver, gateway?: 'invite'): RouteClass =>
  gateway ? { proof: what, driver, gateway } : { proof: what, driver }
const noProof = (why: string): RouteClass => ({ noProof: why })

/** Every POST route tapgate mounts, with its `:params`, classified. */
const postRoutes: Record<string, RouteClass> = {
  [`${prefix}/login`]: proof('app code typed with the password', codeWithPassword),
  [`${prefix}/login/passkey`]: proof('passkey assertion (password and second factor at once)', passkeyAlone),
  [`${prefix}/2fa`]: proof('app code', appCodeAtSignIn),
  [`${prefix}/2fa/yubikey`]: proof('YubiKey tap', tapAtSignIn),
  [`${prefix}/2fa/recovery`]: proof('recovery code', recoveryCodeAtSignIn),
  [`${prefix}/2fa/sms`]: proof('text-message code', textedCodeAtSignIn),
  [`${prefix}/webauthn/authentication`]: proof('security-key assertion', keyAtSignIn),
  [`${prefix}/enroll`]: proof('app code', appCodeAtEnrollment),
  [`${prefix}/enroll/invite`]: proof('enrollment invite code', inviteCode, 'invite'),
  [`${prefix}/enroll/yubikey`]: proof('YubiKey tap', tapAtEnrollment),
  [`${prefix}/enroll/sms`]: proof('text-message code', textedCodeAtEnrollment),
  [`${prefix}/account/app`]: proof("new app's code", newAppCode),
  [`${prefix}/account/yubikeys/add`]: proof('YubiKey tap', tapOfAddedKey),
  [`${prefix}/account/sms`]: proof("new number's code", newNumberCode),

  [`${prefix}/2fa/sms/send`]: noProof('sends a code; the code is checked at /2fa/sms'),
  [`${prefix}/enroll/sms/send`]: noProof('sends a code; the code is checked at /enroll/sms'),
  [`${prefix}/account/sms/send`]: noProof('sends a code; the code is checked at /account/sms'),
  [`${prefix}/webauthn/authentication/options`]: noProof('hands out a challenge'),
  [`${prefix}/login/passkey/options`]: noProof('hands out a challenge, before anyone is named'),
  [`${prefix}/webauthn/registration/options`]: noProof('hands out a challenge'),
  [`${prefix}/webauthn/registration`]: noProof(
    'registers a new key: its attestation is signed by the key it brings, nothing to guess',
  ),
  [`${prefix}/enroll/skip`]: noProof('goes on without a factor, where the operator allows it'),
  [`${prefix}/logout`]: noProof('signs out'),
  [`${prefix}/verify`]: noProof("forward-auth's question: reads the session cookie"),
  [`${prefix}/recovery-codes/saved`]: noProof('dismisses the page of new recovery codes'),
  [`${prefix}/account/recovery-codes`]: noProof('makes new recovery codes (after a recent step-up)'),
  [`${prefix}/account/keys/rename`]: noProof('renames a security key'),
  [`${prefix}/account/keys/remove`]: noProof('removes a security key (after a recent step-up)'),
  [`${prefix}/account/app/remove`]: noProof('removes the app (after a recent step-up)'),
  [`${prefix}/account/yubikeys/remove`]: noProof('removes a YubiKey (after a recent step-up)'),
  [`${prefix}/account/sms/remove`]: noProof('removes the number (after a recent step-up)'),
  [`${prefix}/account/devices/revoke`]: noProof('forgets a trusted device'),
  [`${prefix}/account/devices/revoke-all`]: noProof('forgets every trusted device'),
  [`${prefix}/admin/users/:user/reset`]: noProof("an admin's action on another user"),
  [`${prefix}/admin/users/:user/unlock`]: noProof("an admin's action on another user"),
  [`${prefix}/admin/users/:user/sign-out`]: noProof("an admin's action on another user"),
  [`${prefix}/admin/users/:user/invite`]: noProof("an admin's action on another user"),
  [`${prefix}/admin/addresses/unlock`]: noProof("an admin's action on an address"),
}

const proofRoutes = Object.entries(postRoutes).filter(
  (entry): entry is [string, Extract<RouteClass, { driver: Driver }>] => entry[1].driver !== undefined,
)

/**
 * The routes a POST reaches: POST routes, and handlers mounted for every method (hono's `all`,
 * e.g. forward-auth's verify). Middleware and the not-found fallback are mounted on wildcard paths.
 */
function postRoutesOf(s: Services): string[] {
  return tapgatePages(s)
    .routes.filter(({ method, path }) => method === 'POST' || (method === 'ALL' && !path.endsWith('*')))
    .map(({ path }) => path)
}

const password = 'correct-horse-battery'
const clock = new FixedClock()
const { sink } = await useSmsSink({ clock: () => clock })
const apiKey = randomBytes(20).toString('base64')
/** Keys the validation service knows, one per case that needs a tap that validates. */
const keys = {
  signIn: SoftYubiKey.random(),
  enroll: SoftYubiKey.random(),
  account: SoftYubiKey.random(),
  outage: SoftYubiKey.random(),
}
/** Users of the cases whose refusals are not guesses (one each, beside the one per proof route). */
const notGuessing = { yubikey: 'not-a-guess-yubikey', sms: 'not-a-guess-sms' }
let validation: ValidationServer
let upstream: RecordingUpstream
let main: TestGateway
let invite: TestGateway
let dir: string

beforeAll(async () => {
  upstream = await startRecordingUpstream()
  validation = await startValidationServer({
    clients: { '42': apiKey },
    keys: Object.values(keys).map((key) => key.identity),
  })
  dir = mkdtempSync(join(tmpdir(), 'tapgate-regulated-'))
  const usersFile = join(dir, 'users.yaml')
  const passwordHash = await hash(password, argon2Options)
  const names = [...proofRoutes.map(([path]) => userFor(path)), ...Object.values(notGuessing)]
  const users = Object.fromEntries(names.map((name) => [name, { password: passwordHash }]))
  writeFileSync(usersFile, JSON.stringify({ users }))
  const config = {
    first_factor: { mode: 'local', users_file: usersFile },
    trusted_proxies: ['127.0.0.1'],
    forward_auth: { proxy: 'nginx' },
    regulation: { max_failures: maxFailures },
    factors: {
      webauthn: { passwordless: true },
      yubico_otp: {
        enabled: true,
        mode: 'cloud',
        servers: [validation.url],
        client_id: 42,
        api_key: apiKey,
        timeout: '1s',
      },
      // Codes expire after a minute, so that three can expire within one pending sign-in (5 minutes),
      // and the five codes that takes stay within the hourly limit.
      sms: { enabled: true, notifier: webhookTo(sink), code_ttl: '1m', max_per_hour: 10 },
    },
  }
  const started = (extra: Record<string, unknown> = {}) =>
    startTestGateway({
      upstreamUrl: upstream.url,
      clock,
      publicHost: 'localhost',
      config: { ...config, ...extra },
    })
  main = await started()
  invite = await started({ enrollment: { first_enrollment: 'invite' } })
})
afterAll(async () => {
  await Promise.all([main?.close(), invite?.close()])
  await Promise.all([upstream?.close(), validation?.stop()])
  await rm(dir, { recursive: true, force: true })
})

describe('every route that accepts a proof counts its failures toward the lockout', () => {
  it('classifies every POST route tapgate mounts, in a configuration that mounts them all', () => {
    const { config, localUsers } = main.services
    for (const [name, settings] of Object.entries(config.factors)) {
      if ('enabled' in settings) expect(settings.enabled, `factors.${name}.enabled`).toBe(true)
    }
    expect(localUsers).not.toBeNull()
    expect(config.forward_auth.proxy).toBeDefined()

    const mounted = new Set([main, invite].flatMap((gateway) => postRoutesOf(gateway.services)))
    const classified = new Set(Object.keys(postRoutes))
    expect(
      {
        unclassified: [...mounted].filter((path) => !classified.has(path)),
        notMounted: [...classified].filter((path) => !mounted.has(path)),
      },
      'classify each new POST route in postRoutes: a proof route with its driver, or why it accepts none',
    ).toEqual({ unclassified: [], notMounted: [] })
  })

  proofRoutes.forEach(([path, route], index) => {
    it(`${path} (${route.proof}): ${maxFailures} wrong ones lock the user out there, then a right one gets 429`, async () => {
      const gateway = route.gateway === 'invite' ? invite : main
      const address = `198.51.100.${index + 1}`
      const attacker: Attacker = {
        gateway,
        user: userFor(path),
        browser: () => new BrowserClient(gateway.url, gateway.publicOrigin, { 'x-forwarded-for': address }),
      }
      const { wrong, right } = await route.driver(attacker)
      for (let attempt = 1; attempt <= maxFailures; attempt++) {
        const refused = await wrong()
        expect([400, 401], `wrong ${route.proof} #${attempt}: refused, not yet locked`).toContain(
          refused.status,
        )
      }
      const locked = await right()
      expect(locked.status, `a right ${route.proof} after ${maxFailures} wrong ones`).toBe(429)
      expect(locked.headers.get('retry-after')).not.toBeNull()
    })
  })
})

/**
 * The other side of the rule: a refusal the factor marks as no guess (its service failed, no code was
 * waiting, the code had expired) is the user's bad luck, not an attempt. `max_failures` of them, then
 * the right proof still signs in; had they counted, it would get 429.
 */
describe('a refusal that says nothing of the guess does not count toward the lockout', () => {
  const attackerAt = (user: string, address: string): Attacker => ({
    gateway: main,
    user,
    browser: () => new BrowserClient(main.url, main.publicOrigin, { 'x-forwarded-for': address }),
  })

  it('a YubiKey tap while the validation service fails', async () => {
    const { right } = await tapAtSignIn(attackerAt(notGuessing.yubikey, '198.51.100.201'), keys.outage)
    for (let attempt = 1; attempt <= maxFailures; attempt++) {
      validation.answerNext('BACKEND_ERROR')
      const refused = await right()
      expect(refused.status, `tap #${attempt} while the service fails`).toBe(401)
      expect(await refused.text()).toContain('cannot be checked right now')
    }
    expect((await right()).status, 'the service is back: the same key signs in').toBe(303)
  })

  it('a texted code when none is waiting, or once it has expired', async () => {
    const number = '+447700900102'
    const { browser } = await smsUserAtSecondStep(attackerAt(notGuessing.sms, '198.51.100.202'), number)
    for (let attempt = 1; attempt <= maxFailures; attempt++) {
      const refused = await enterSignInCode(browser, '123456')
      expect(refused.status, `code #${attempt} with none sent`).toBe(401)
    }
    for (let attempt = 1; attempt <= maxFailures; attempt++) {
      expect((await sendSignInCode(browser)).headers.get('location')).toBe(`${prefix}/2fa`)
      const late = sink.lastCodeTo(number)
      clock.advance(main.services.config.factors.sms.code_ttl)
      const refused = await enterSignInCode(browser, late)
      expect(refused.status, `expired code #${attempt}`).toBe(401)
      expect(await refused.text()).toContain('expired')
    }
    expect((await sendSignInCode(browser)).headers.get('location')).toBe(`${prefix}/2fa`)
    expect((await enterSignInCode(browser, sink.lastCodeTo(number))).status).toBe(303)
  })
})

/** One user per route: `/_tapgate/account/yubikeys/add` → `account-yubikeys-add`. */
function userFor(path: string): string {
  return path.slice(prefix.length + 1).replaceAll('/', '-')
}

/** tapgate's sign-in page: the password (and `fields`, e.g. the token) → a pending session. */
async function signIn(browser: BrowserClient, user: string, fields: Record<string, string> = {}) {
  const page = await (await browser.get(`${prefix}/login`)).text()
  return browser.postForm(`${prefix}/login`, { csrf: csrfTokenIn(page), username: user, password, ...fields })
}

/** A pending session at the 2fa page of a user who has a factor. */
async function atSecondStep(attacker: Attacker): Promise<{ browser: BrowserClient; csrf: string }> {
  const browser = attacker.browser()
  expect((await signIn(browser, attacker.user)).headers.get('location')).toBe(`${prefix}/2fa`)
  const page = await browser.get(`${prefix}/2fa`)
  expect(page.status).toBe(200)
  const html = await page.text()
  // A page showing the security key has no form: its token is in the meta tag the key script reads.
  return { browser, csrf: html.includes('name="csrf"') ? csrfTokenIn(html) : csrfMetaIn(html) }
}

/** Password and an app at enrollment: a recently verified session. Returns the browser and the app's secret. */
async function enrolledWithApp(attacker: Attacker): Promise<{ browser: BrowserClient; secret: string }> {
  const browser = attacker.browser()
  await signIn(browser, attacker.user)
  const page = await (await browser.get(`${prefix}/enroll?method=totp`)).text()
  const secret = totpSecretIn(page)
  const code = await totpCode(secret, clock)
  const done = await browser.postForm(`${prefix}/enroll`, { csrf: csrfTokenIn(page), code })
  expect(done.headers.get('location')).toBe(`${prefix}/recovery-codes`)
  return { browser, secret }
}

/** A well-formed code that is not the app's now, nor in the steps around now. */
async function wrongCodeFor(secret: string): Promise<string> {
  const valid = await Promise.all([-1, 0, 1, 2].map((step) => totpCode(secret, clock, step)))
  return ['000000', '111111', '222222', '333333', '444444'].find((code) => !valid.includes(code)) as string
}

/** The app's code, in the next time step (so not a replay of the one used at enrollment). */
async function nextCodeFor(secret: string): Promise<string> {
  clock.advance(30_000)
  return totpCode(secret, clock)
}

async function codeWithPassword(attacker: Attacker) {
  const { secret } = await enrolledWithApp(attacker)
  const wrong = await wrongCodeFor(secret)
  const browser = attacker.browser()
  return {
    wrong: () => signIn(browser, attacker.user, { token: wrong }),
    right: async () => signIn(browser, attacker.user, { token: await nextCodeFor(secret) }),
  }
}

async function appCodeAtSignIn(attacker: Attacker) {
  const { secret } = await enrolledWithApp(attacker)
  const { browser, csrf } = await atSecondStep(attacker)
  const wrong = await wrongCodeFor(secret)
  return {
    wrong: () => browser.postForm(`${prefix}/2fa`, { csrf, code: wrong }),
    right: async () => browser.postForm(`${prefix}/2fa`, { csrf, code: await nextCodeFor(secret) }),
  }
}

async function tapAtSignIn(attacker: Attacker, key = keys.signIn) {
  const enrolling = attacker.browser()
  await signIn(enrolling, attacker.user)
  const enroll = csrfTokenIn(await (await enrolling.get(`${prefix}/enroll?method=yubico_otp`)).text())
  const done = await enrolling.postForm(`${prefix}/enroll/yubikey`, { csrf: enroll, otp: key.tap() })
  expect(done.headers.get('location')).toBe(`${prefix}/recovery-codes`)
  const { browser, csrf } = await atSecondStep(attacker)
  const stranger = SoftYubiKey.random()
  return {
    wrong: () => browser.postForm(`${prefix}/2fa/yubikey`, { csrf, otp: stranger.tap() }),
    right: () => browser.postForm(`${prefix}/2fa/yubikey`, { csrf, otp: key.tap() }),
  }
}

async function recoveryCodeAtSignIn(attacker: Attacker) {
  const { browser: enrolled } = await enrolledWithApp(attacker)
  const [code] = recoveryCodesIn(await (await enrolled.get(`${prefix}/recovery-codes`)).text())
  expect(code).toBeDefined()
  const { browser, csrf } = await atSecondStep(attacker)
  return {
    wrong: () => browser.postForm(`${prefix}/2fa/recovery`, { csrf, recovery_code: '2222-2222-2222' }),
    right: () => browser.postForm(`${prefix}/2fa/recovery`, { csrf, recovery_code: code as string }),
  }
}

async function textedCodeAtSignIn(attacker: Attacker) {
  const number = '+447700900101'
  const { browser } = await smsUserAtSecondStep(attacker, number)
  expect((await sendSignInCode(browser)).headers.get('location')).toBe(`${prefix}/2fa`)
  const code = sink.lastCodeTo(number)
  return {
    wrong: () => enterSignInCode(browser, code === '000000' ? '111111' : '000000'),
    right: () => enterSignInCode(browser, code),
  }
}

/** A user who enrolled `number` for text messages, signed in again with the password. */
async function smsUserAtSecondStep(attacker: Attacker, number: string) {
  const enrolling = attacker.browser()
  await signIn(enrolling, attacker.user)
  expect((await sendEnrollmentCode(enrolling, number)).status).toBe(303)
  const setup = csrfTokenIn(await (await enrolling.get(`${prefix}/enroll/sms`)).text())
  const done = await enrolling.postForm(`${prefix}/enroll/sms`, {
    csrf: setup,
    code: sink.lastCodeTo(number),
  })
  expect(done.headers.get('location')).toBe(`${prefix}/recovery-codes`)
  return atSecondStep(attacker)
}

async function keyAtSignIn(attacker: Attacker) {
  const key = new SoftAuthenticator()
  const enrolling = attacker.browser()
  await signIn(enrolling, attacker.user)
  const registered = await (await KeyCeremonies.on(enrolling, `${prefix}/enroll`)).register(key, 'Key')
  expect(registered.status).toBe(200)
  const { browser } = await atSecondStep(attacker)
  const ceremonies = await KeyCeremonies.on(browser, `${prefix}/2fa`)
  // A key of the attacker's own, answering the user's challenge.
  const stranger = new SoftAuthenticator()
  return {
    wrong: () => ceremonies.authenticate(stranger, { ignoreAllowCredentials: true }),
    right: () => ceremonies.authenticate(key),
  }
}

/**
 * A passkey on the sign-in page, no password: the attacker knows the user's credential id (it names
 * the user) and user handle, but signs with a key of their own.
 */
async function passkeyAlone(attacker: Attacker) {
  const key = new SoftAuthenticator()
  const enrolling = attacker.browser()
  await signIn(enrolling, attacker.user)
  const registered = await (await KeyCeremonies.on(enrolling, `${prefix}/enroll`)).register(key, 'Passkey')
  expect(registered.status).toBe(200)
  const handle = await attacker.gateway.store.get(storeKeys.webauthnUserHandle(attacker.user))
  const passkeys = await PasskeyCeremonies.on(attacker.browser())
  const forger = new SoftAuthenticator()
  return {
    wrong: () => passkeys.signIn(forger, { credentialId: key.credentialId, userHandle: handle }),
    right: () => passkeys.signIn(key),
  }
}

async function appCodeAtEnrollment(attacker: Attacker) {
  const browser = attacker.browser()
  await signIn(browser, attacker.user)
  const page = await (await browser.get(`${prefix}/enroll?method=totp`)).text()
  const secret = totpSecretIn(page)
  const csrf = csrfTokenIn(page)
  const wrong = await wrongCodeFor(secret)
  return {
    wrong: () => browser.postForm(`${prefix}/enroll`, { csrf, code: wrong }),
    right: async () => browser.postForm(`${prefix}/enroll`, { csrf, code: await totpCode(secret, clock) }),
  }
}

async function inviteCode(attacker: Attacker) {
  const browser = attacker.browser()
  await signIn(browser, attacker.user)
  const page = await (await browser.get(`${prefix}/enroll`)).text()
  expect(page).toContain('Enter your enrollment code')
  const csrf = csrfTokenIn(page)
  return {
    wrong: () => browser.postForm(`${prefix}/enroll/invite`, { csrf, invite_code: '0000-0000-0000' }),
    right: async () =>
      browser.postForm(`${prefix}/enroll/invite`, {
        csrf,
        invite_code: await attacker.gateway.services.invites.issue(attacker.user),
      }),
  }
}

async function tapAtEnrollment(attacker: Attacker) {
  const browser = attacker.browser()
  await signIn(browser, attacker.user)
  const csrf = csrfTokenIn(await (await browser.get(`${prefix}/enroll?method=yubico_otp`)).text())
  // A key the validation service has never seen: BAD_OTP.
  const stranger = SoftYubiKey.random()
  return {
    wrong: () => browser.postForm(`${prefix}/enroll/yubikey`, { csrf, otp: stranger.tap() }),
    right: () => browser.postForm(`${prefix}/enroll/yubikey`, { csrf, otp: keys.enroll.tap() }),
  }
}

async function textedCodeAtEnrollment(attacker: Attacker) {
  const number = '+447700900102'
  const browser = attacker.browser()
  await signIn(browser, attacker.user)
  expect((await sendEnrollmentCode(browser, number)).status).toBe(303)
  const csrf = csrfTokenIn(await (await browser.get(`${prefix}/enroll/sms`)).text())
  const code = sink.lastCodeTo(number)
  return {
    wrong: () =>
      browser.postForm(`${prefix}/enroll/sms`, { csrf, code: code === '000000' ? '111111' : '000000' }),
    right: () => browser.postForm(`${prefix}/enroll/sms`, { csrf, code }),
  }
}

async function newAppCode(attacker: Attacker) {
  const { browser } = await enrolledWithApp(attacker)
  const page = await (await browser.get(`${prefix}/account/app`)).text()
  const secret = totpSecretIn(page)
  const csrf = csrfTokenIn(page)
  const wrong = await wrongCodeFor(secret)
  return {
    wrong: () => browser.postForm(`${prefix}/account/app`, { csrf, code: wrong }),
    right: async () => browser.postForm(`${prefix}/account/app`, { csrf, code: await nextCodeFor(secret) }),
  }
}

async function tapOfAddedKey(attacker: Attacker) {
  const { browser } = await enrolledWithApp(attacker)
  const csrf = csrfTokenIn(await (await browser.get(`${prefix}/account`)).text())
  const stranger = SoftYubiKey.random()
  const add = (otp: string) =>
    browser.postForm(`${prefix}/account/yubikeys/add`, { csrf, name: 'Spare', otp })
  return { wrong: () => add(stranger.tap()), right: () => add(keys.account.tap()) }
}

async function newNumberCode(attacker: Attacker) {
  const number = '+447700900103'
  const { browser } = await enrolledWithApp(attacker)
  const csrf = csrfTokenIn(await (await browser.get(`${prefix}/account/sms`)).text())
  const sent = await browser.postForm(`${prefix}/account/sms/send`, { csrf, phone: number })
  expect(sent.headers.get('location')).toBe(`${prefix}/account/sms`)
  const code = sink.lastCodeTo(number)
  return {
    wrong: () =>
      browser.postForm(`${prefix}/account/sms`, { csrf, code: code === '000000' ? '111111' : '000000' }),
    right: () => browser.postForm(`${prefix}/account/sms`, { csrf, code }),
  }
}

import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SoftYubiKey } from '../../demo/soft-yubikey.ts'
import { BrowserClient, csrfTokenIn, otherWayToSetUpIn } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { signInWithPassword } from '../support/sign-in.ts'
import { startValidationServer, type ValidationServer } from '../support/validation-server.ts'

/**
 * A YubiKey in OTP mode through the whole gateway, validated by a protocol-conformant ykval on a
 * loopback port (cloud mode): the tap enrolls the key after the password, signs in at the 2fa page,
 * is refused when replayed or when the key is another user's, and a validation service that is down
 * fails closed with a clear message and counts nothing against the user.
 */
const apiKey = randomBytes(20).toString('base64')
const demoKey = SoftYubiKey.random()
const aliceKey = SoftYubiKey.random()
let server: ValidationServer
beforeAll(async () => {
  server = await startValidationServer({
    clients: { '42': apiKey },
    keys: [demoKey.identity, aliceKey.identity],
  })
})
afterAll(() => server.stop())

const demo = useDemoGateway({
  config: () => ({
    factors: {
      yubico_otp: {
        enabled: true,
        mode: 'cloud',
        servers: [server.url],
        client_id: 42,
        api_key: apiKey,
        timeout: '1s',
      },
    },
  }),
})

/**
 * Password, then on the enrollment page (which leads with a security key) "Use a YubiKey that types a
 * code" under "Other ways to set up", and "Add YubiKey" with one tap.
 */
async function enrollYubiKey(browser: BrowserClient, key: SoftYubiKey, user = 'demo') {
  await signInWithPassword(browser, user)
  const landing = await (await browser.get('/_tapgate/enroll')).text()
  expect(landing).not.toContain('action="/_tapgate/enroll/yubikey"')
  const way = otherWayToSetUpIn(landing, 'Use a YubiKey that types a code')
  expect(way).toBe('/_tapgate/enroll?method=yubico_otp')
  const page = await (await browser.get(way)).text()
  expect(page).toContain('action="/_tapgate/enroll/yubikey"')
  return browser.postForm('/_tapgate/enroll/yubikey', {
    csrf: csrfTokenIn(page),
    name: 'Office YubiKey',
    otp: key.tap(),
  })
}

async function tapAtSecondStep(browser: BrowserClient, otp: string) {
  const page = await (await browser.get('/_tapgate/2fa')).text()
  return browser.postForm('/_tapgate/2fa/yubikey', { csrf: csrfTokenIn(page), otp })
}

describe('a YubiKey that types a code', () => {
  it('enrolls with a tap, then a tap signs in; the same code twice is refused', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    const enrolled = await enrollYubiKey(browser, demoKey)
    expect(enrolled.headers.get('location')).toBe('/_tapgate/recovery-codes')
    await browser.get('/logout')

    await signInWithPassword(browser)
    const page = await (await browser.get('/_tapgate/2fa')).text()
    expect(page).toContain('<label class="label" for="yubikey-otp">YubiKey</label>')
    const otp = demoKey.tap()
    const done = await browser.postForm('/_tapgate/2fa/yubikey', { csrf: csrfTokenIn(page), otp })
    expect(done.headers.get('location')).toBe('/dashboard')
    expect((await browser.get('/dashboard')).status).toBe(200)

    await browser.get('/logout')
    await signInWithPassword(browser)
    const replayed = await tapAtSecondStep(browser, otp)
    expect(replayed.status).toBe(401)
    expect(await replayed.text()).toContain('That code was already used.')
  })

  it('keeps the YubiKey form on the enrollment page when it refuses a tap, the reason at its field', async () => {
    await enrollYubiKey(new BrowserClient(demo.gateway.url), aliceKey, 'alice')
    const browser = new BrowserClient(demo.gateway.url)
    const refused = await enrollYubiKey(browser, aliceKey)
    expect(refused.status).toBe(401)
    const page = await refused.text()
    expect(page).toContain('action="/_tapgate/enroll/yubikey"')
    expect(page).toContain('id="yubikey-otp-error"')
    expect(page).not.toContain('data-webauthn="register"')
    expect(page).toMatch(/<a [^>]*href="\/_tapgate\/enroll\?method=yubico_otp"[^>]*aria-current="page"/)
  })

  it("refuses another user's YubiKey without asking the validation service", async () => {
    const owner = new BrowserClient(demo.gateway.url)
    await enrollYubiKey(owner, aliceKey, 'alice')
    const browser = new BrowserClient(demo.gateway.url)
    await enrollYubiKey(browser, demoKey)
    await browser.get('/logout')
    await signInWithPassword(browser)
    const asked = server.requests.length
    const refused = await tapAtSecondStep(browser, aliceKey.tap())
    expect(refused.status).toBe(401)
    expect(await refused.text()).toContain('That YubiKey is not registered for this account.')
    expect(server.requests).toHaveLength(asked)
  })

  it('fails closed when the validation service does not answer, without counting it against the user', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await enrollYubiKey(browser, demoKey)
    await browser.get('/logout')
    await signInWithPassword(browser)
    server.answerNext('hang')
    const refused = await tapAtSecondStep(browser, demoKey.tap())
    expect(refused.status).toBe(401)
    expect(await refused.text()).toContain('YubiKey codes cannot be checked right now.')
    expect((await browser.get('/dashboard')).headers.get('location')).toBe('/_tapgate/2fa')
    expect(demo.gateway.logs.filter((line) => line.event === 'lockout')).toEqual([])
    expect((await tapAtSecondStep(browser, demoKey.tap())).headers.get('location')).toBe('/dashboard')
  })

  it('lists YubiKeys on the account page, adds one with a tap and removes one while another way in remains', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await enrollYubiKey(browser, demoKey)
    let page = await (await browser.get('/_tapgate/account')).text()
    expect(page).toContain('Office YubiKey')
    // The validation service knows this key (a made-up one would be BAD_OTP).
    const spare = aliceKey
    const added = await browser.postForm('/_tapgate/account/yubikeys/add', {
      csrf: csrfTokenIn(page),
      name: 'Spare',
      otp: spare.tap(),
    })
    expect(added.headers.get('location')).toBe('/_tapgate/account?notice=yubikey_added')
    page = await (await browser.get('/_tapgate/account')).text()
    expect(page).toContain('Spare')
    const removed = await browser.postForm('/_tapgate/account/yubikeys/remove', {
      csrf: csrfTokenIn(page),
      id: demoKey.publicId,
    })
    expect(removed.headers.get('location')).toBe('/_tapgate/account?notice=yubikey_removed')
    const last = await browser.postForm('/_tapgate/account/yubikeys/remove', {
      csrf: csrfTokenIn(page),
      id: spare.publicId,
    })
    expect(last.status).toBe(400)
  })
})

import { describe, expect, it } from 'vitest'
import { BrowserClient, csrfMetaIn, csrfTokenIn, recoveryCodesIn } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import { totpCode } from '../support/totp-codes.ts'

/**
 * Step-up: changing one's factors needs a second factor verified within the last five minutes.
 * Past that (or in a session a trusted device opened) the change sends the user to confirm with
 * their app or key, and brings them back to the account page; a recovery code does not do. A
 * sign-in with a recovery code is recent for those five minutes, so a user who lost their phone
 * can make new codes and set up a new app at once.
 */
const demo = useDemoGateway()
const minute = 60_000

async function accountCsrf(browser: BrowserClient): Promise<string> {
  return csrfTokenIn(await (await browser.get('/_tapgate/account')).text())
}

describe('step-up before a factor change', () => {
  it('sends a session verified over five minutes ago to confirm, then lets the change through', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    const secret = await enrollTotp(browser, demo.gateway.clock)
    demo.gateway.clock.advance(5 * minute + 1)

    const refused = await browser.postForm('/_tapgate/account/recovery-codes', {
      csrf: await accountCsrf(browser),
    })
    expect(refused.status).toBe(303)
    expect(refused.headers.get('location')).toBe('/_tapgate/2fa')
    const confirm = await (await browser.get('/_tapgate/2fa')).text()
    expect(confirm).toContain('<h1 class="title">Confirm it&#39;s you</h1>')
    expect(confirm).not.toContain('recovery_code')
    expect(confirm).not.toContain('trust_device')

    const wrong = await browser.postForm('/_tapgate/2fa', { csrf: csrfTokenIn(confirm), code: '000000' })
    expect(wrong.status).toBe(401)
    const verified = await browser.postForm('/_tapgate/2fa', {
      csrf: csrfTokenIn(confirm),
      code: await totpCode(secret, demo.gateway.clock),
    })
    expect(verified.headers.get('location')).toBe('/_tapgate/account')

    const allowed = await browser.postForm('/_tapgate/account/recovery-codes', {
      csrf: await accountCsrf(browser),
    })
    expect(allowed.headers.get('location')).toBe('/_tapgate/recovery-codes')
    expect(recoveryCodesIn(await (await browser.get('/_tapgate/recovery-codes')).text())).toHaveLength(10)
  })

  it('asks the security-key script to confirm first: 403 step_up_required with where to go', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await enrollTotp(browser, demo.gateway.clock)
    demo.gateway.clock.advance(5 * minute + 1)
    const csrf = csrfMetaIn(await (await browser.get('/_tapgate/account')).text())
    const options = await browser.postJson(
      '/_tapgate/webauthn/registration/options',
      {},
      { 'x-csrf-token': csrf },
    )
    expect(options.status).toBe(403)
    expect(await options.json()).toMatchObject({ error: 'step_up_required', redirect: '/_tapgate/2fa' })
  })

  it('does not take a recovery code as confirmation', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await enrollTotp(browser, demo.gateway.clock)
    const codes = recoveryCodesIn(await (await browser.get('/_tapgate/recovery-codes')).text())
    demo.gateway.clock.advance(5 * minute + 1)
    const confirm = await (await browser.get('/_tapgate/2fa')).text()
    const refused = await browser.postForm('/_tapgate/2fa/recovery', {
      csrf: csrfTokenIn(confirm),
      recovery_code: codes[0] as string,
    })
    expect(refused.status).toBe(403)
  })

  it('lets a user who signed in with a recovery code make new codes and set up a new app within the window (issue 16)', async () => {
    const { clock } = demo.gateway
    const enrolled = new BrowserClient(demo.gateway.url)
    await enrollTotp(enrolled, clock)
    const [code] = recoveryCodesIn(await (await enrolled.get('/_tapgate/recovery-codes')).text())

    // The phone is lost: a new browser signs in with the password and a recovery code.
    const browser = new BrowserClient(demo.gateway.url)
    await signInWithPassword(browser)
    const challenge = await (await browser.get('/_tapgate/2fa')).text()
    const used = await browser.postForm('/_tapgate/2fa/recovery', {
      csrf: csrfTokenIn(challenge),
      recovery_code: code as string,
    })
    expect(used.status).toBe(200)

    const newCodes = await browser.postForm('/_tapgate/account/recovery-codes', {
      csrf: await accountCsrf(browser),
    })
    expect(newCodes.headers.get('location')).toBe('/_tapgate/recovery-codes')
    const appPage = await browser.get('/_tapgate/account/app')
    expect(appPage.status).toBe(200)
    expect(await appPage.text()).toContain('Move to a new authenticator app')

    // Past the window the same change asks for a factor, and a recovery code is not one.
    clock.advance(5 * minute + 1)
    const later = await browser.postForm('/_tapgate/account/recovery-codes', {
      csrf: await accountCsrf(browser),
    })
    expect(later.headers.get('location')).toBe('/_tapgate/2fa')
  })

  it('asks a session opened by a trusted device to confirm before any change', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    const secret = await enrollTotp(browser, demo.gateway.clock)
    await browser.get('/logout')
    await signInWithPassword(browser)
    demo.gateway.clock.advance(30_000)
    const page = await (await browser.get('/_tapgate/2fa')).text()
    await browser.postForm('/_tapgate/2fa', {
      csrf: csrfTokenIn(page),
      code: await totpCode(secret, demo.gateway.clock),
      trust_device: 'yes',
    })
    await browser.get('/logout')
    expect((await signInWithPassword(browser)).headers.get('location')).toBe('/dashboard')

    const change = await browser.postForm('/_tapgate/account/recovery-codes', {
      csrf: await accountCsrf(browser),
    })
    expect(change.headers.get('location')).toBe('/_tapgate/2fa')
  })
})

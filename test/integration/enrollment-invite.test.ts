import { describe, expect, it } from 'vitest'
import { BrowserClient, csrfTokenIn, otherWayToSetUpIn, totpSecretIn } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { signInWithPassword } from '../support/sign-in.ts'
import { totpCode } from '../support/totp-codes.ts'

/**
 * `enrollment.first_enrollment: invite`: a password alone cannot enroll the first factor. The user
 * must first enter the one-time enrollment code an admin issued; a wrong one counts toward lockout,
 * a used one does not work twice, and neither the app nor a key can be enrolled without it.
 */
const demo = useDemoGateway({ config: () => ({ enrollment: { first_enrollment: 'invite' } }) })

describe('invite-only first enrollment', () => {
  it('asks for the enrollment code before offering any factor, then enrolls once it is given', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await signInWithPassword(browser)
    const ask = await (await browser.get('/_tapgate/enroll')).text()
    expect(ask).toContain('Enter your enrollment code')
    expect(ask).not.toContain('class="secret"')

    // Without the code, neither the app nor a key can be enrolled.
    const csrf = csrfTokenIn(ask)
    expect((await browser.postForm('/_tapgate/enroll', { csrf, code: '123456' })).status).toBe(200)
    const keyOptions = await browser.postJson(
      '/_tapgate/webauthn/registration/options',
      {},
      { 'x-csrf-token': csrf },
    )
    expect(keyOptions.status).toBe(403)

    const wrong = await browser.postForm('/_tapgate/enroll/invite', { csrf, invite_code: '0000-0000-0000' })
    expect(wrong.status).toBe(401)
    expect(await wrong.text()).toContain('That code is not valid.')

    const code = await demo.gateway.services.invites.issue('demo')
    const accepted = await browser.postForm('/_tapgate/enroll/invite', {
      csrf,
      invite_code: code.toLowerCase(),
    })
    expect(accepted.headers.get('location')).toBe('/_tapgate/enroll')
    const offered = await (await browser.get('/_tapgate/enroll')).text()
    expect(offered).toContain('data-webauthn="register"')
    const page = await (await browser.get(otherWayToSetUpIn(offered, 'Use an authenticator app'))).text()
    const secret = totpSecretIn(page)
    const done = await browser.postForm('/_tapgate/enroll', {
      csrf: csrfTokenIn(page),
      code: await totpCode(secret, demo.gateway.clock),
    })
    expect(done.headers.get('location')).toBe('/_tapgate/recovery-codes')
    expect(demo.gateway.logs).toContainEqual(
      expect.objectContaining({ event: 'enrollment', factor: 'invite', result: 'success', user: 'demo' }),
    )

    // A code belongs to one user and works once: it opens nothing for anyone else.
    const thief = new BrowserClient(demo.gateway.url)
    await signInWithPassword(thief, 'alice')
    const thiefPage = await (await thief.get('/_tapgate/enroll')).text()
    const reused = await thief.postForm('/_tapgate/enroll/invite', {
      csrf: csrfTokenIn(thiefPage),
      invite_code: code,
    })
    expect(reused.status).toBe(401)
  })
})

import { describe, expect, it } from 'vitest'
import { BrowserClient } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { enrollTotp } from '../support/sign-in.ts'

/**
 * Issue 15: the account page shows a section for each factor the config offers the user, and none
 * for one it does not (security keys had a section, and a form whose ceremony routes were not
 * mounted, with WebAuthn turned off).
 */
async function accountPage(demo: ReturnType<typeof useDemoGateway>): Promise<string> {
  const browser = new BrowserClient(demo.gateway.url, demo.gateway.publicOrigin)
  await enrollTotp(browser, demo.gateway.clock)
  const page = await browser.get('/_tapgate/account')
  expect(page.status).toBe(200)
  return page.text()
}

describe('the account page with security keys turned off', () => {
  const demo = useDemoGateway({ config: () => ({ factors: { webauthn: { enabled: false } } }) })

  it('has no security-key section, and still the app', async () => {
    const html = await accountPage(demo)
    expect(html).not.toContain('id="security-keys"')
    expect(html).not.toContain('data-webauthn')
    expect(html).toContain('id="authenticator-app"')
  })
})

describe('the account page with security keys on', () => {
  const demo = useDemoGateway()

  it('has the security-key section with its form to add one', async () => {
    const html = await accountPage(demo)
    expect(html).toContain('id="security-keys"')
    expect(html).toContain('data-webauthn="register"')
  })
})

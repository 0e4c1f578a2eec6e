import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BrowserClient } from '../support/browser-client.ts'
import { type DemoGatewayFixture, useDemoGateway } from '../support/demo-gateway.ts'
import { signInWithPassword } from '../support/sign-in.ts'

/**
 * Issue 16, branding and the lockout page: tapgate's pages carry the operator's name, logo, colour
 * and help (`ui`), on the pages hono serves, on the error pages of panel traffic and on the 429 of a
 * paused sign-in, which also says what to do.
 */
const logoFile = 'demo/logo.svg'
const dressed = {
  name: 'Example Hosting',
  logo: logoFile,
  accent: '#0b7a75',
  support: 'Call Example Hosting on +44 20 7946 0000',
  support_url: 'tel:+442079460000',
  lockout_help: 'Wait, or call us: we can reset your two-step verification.',
}

function gatewayWith(ui: Record<string, unknown>) {
  return useDemoGateway({
    config: () => ({
      ui,
      regulation: { max_failures: 1 },
      rules: [
        { prefix: '/api/', policy: 'bypass' },
        { prefix: '/private/', policy: 'deny' },
      ],
    }),
  })
}

function browser(demo: DemoGatewayFixture) {
  return new BrowserClient(demo.gateway.url, demo.gateway.publicOrigin)
}

/** Two wrong passwords under `max_failures: 1`: the second is refused as paused. */
async function pausedSignIn(demo: DemoGatewayFixture): Promise<Response> {
  const client = browser(demo)
  expect((await signInWithPassword(client, 'demo', 'wrong')).status).not.toBe(429)
  const paused = await signInWithPassword(client, 'demo', 'wrong')
  expect(paused.status).toBe(429)
  return paused
}

describe('the pages, dressed in ui', () => {
  const demo = gatewayWith(dressed)

  it("carry the name, the logo, the colour's stylesheet and the support line", async () => {
    const page = await (await browser(demo).get('/_tapgate/nothing-here')).text()
    expect(page).toContain('<title>Page not found · Example Hosting</title>')
    expect(page).toContain('<span class="masthead-name">Example Hosting</span>')
    expect(page).toContain('<img class="masthead-logo" src="/_tapgate/assets/logo"')
    expect(page).toContain('<link rel="icon" href="/_tapgate/assets/logo"/>')
    expect(page).toContain('<link rel="stylesheet" href="/_tapgate/assets/accent.css"/>')
    expect(page).toContain(
      'Need help? <a href="tel:+442079460000">Call Example Hosting on +44 20 7946 0000</a>',
    )
  })

  it('are dressed on a page hono renders and on an error of panel traffic alike', async () => {
    const client = browser(demo)
    expect((await signInWithPassword(client)).status).toBe(303)
    const enrollment = await (await client.get('/_tapgate/enroll')).text()
    expect(enrollment).toContain('· Example Hosting</title>')
    const denied = await client.get('/private/x')
    expect(denied.status).toBe(403)
    expect(await denied.text()).toContain('<span class="masthead-name">Example Hosting</span>')
  })

  it('serve the logo as an inert image and the colour as a stylesheet', async () => {
    const logo = await fetch(`${demo.gateway.url}/_tapgate/assets/logo`)
    expect(logo.headers.get('content-type')).toBe('image/svg+xml')
    expect(logo.headers.get('content-security-policy')).toContain('sandbox')
    expect(logo.headers.get('x-content-type-options')).toBe('nosniff')
    expect(Buffer.from(await logo.arrayBuffer())).toEqual(readFileSync(logoFile))
    const accent = await fetch(`${demo.gateway.url}/_tapgate/assets/accent.css`)
    expect(accent.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(await accent.text()).toContain('--accent: #0b7a75;')
  })

  it('say, when a sign-in is paused, until when, what to do (ui.lockout_help) and who helps', async () => {
    const page = await (await pausedSignIn(demo)).text()
    expect(page).toMatch(/Try again in 15 minutes \(at \d\d:\d\d UTC\)/)
    expect(page).toContain(
      '<p class="notice-help">Wait, or call us: we can reset your two-step verification.</p>',
    )
    expect(page).toContain('Need help? <a href="tel:+442079460000">')
  })
})

describe('the pages without ui', () => {
  const demo = gatewayWith({})

  it("are tapgate's own: no logo or colour is served, none linked", async () => {
    const page = await (await browser(demo).get('/_tapgate/nothing-here')).text()
    expect(page).toContain('<title>Page not found · Sign-in security</title>')
    expect(page).not.toContain('Need help?')
    expect(page).not.toContain('masthead-logo')
    // Its own icon, so that the browser does not ask the panel for /favicon.ico before sign-in.
    expect(page).toContain('<link rel="icon" href="/_tapgate/assets/favicon.svg"/>')
    const icon = await fetch(`${demo.gateway.url}/_tapgate/assets/favicon.svg`)
    expect(icon.headers.get('content-type')).toBe('image/svg+xml')
    expect((await fetch(`${demo.gateway.url}/_tapgate/assets/logo`)).status).toBe(404)
    expect((await fetch(`${demo.gateway.url}/_tapgate/assets/accent.css`)).status).toBe(404)
  })

  it('still say what to do when a sign-in is paused', async () => {
    const page = await (await pausedSignIn(demo)).text()
    expect(page).toContain('an administrator can reset your two-step verification.</p>')
  })
})

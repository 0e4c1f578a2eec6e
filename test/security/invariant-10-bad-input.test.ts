import { describe, expect, it } from 'vitest'
import { BrowserClient } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { rawRequest } from '../support/raw-http.ts'
import { signInWithPassword } from '../support/sign-in.ts'

/**
 * DESIGN invariant 10: bad input gets a clear error and changes nothing: the panel is not asked and
 * no session is created.
 */
const demo = useDemoGateway()

describe('bad input', () => {
  it('refuses an oversized login body with 413 without asking the panel', async () => {
    const response = await new BrowserClient(demo.gateway.url).postForm('/login', {
      username: 'demo',
      password: 'x'.repeat(70 * 1024),
    })
    expect(response.status).toBe(413)
    expect(response.headers.getSetCookie()).toEqual([])
    expect(demo.panelSaw).toEqual([])
  })

  it('refuses a login body it cannot read a username from', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    const noUser = await browser.postForm('/login', { password: 'demo-password' })
    const plain = await browser.request('/login', {
      method: 'POST',
      body: 'username=demo',
      headers: { 'content-type': 'text/plain' },
    })
    const badJson = await browser.request('/login', {
      method: 'POST',
      body: '{"username":',
      headers: { 'content-type': 'application/json' },
    })
    expect([noUser.status, plain.status, badJson.status]).toEqual([400, 400, 400])
    expect(demo.panelSaw).toEqual([])
  })

  it('refuses an oversized form to a tapgate page with 413', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await signInWithPassword(browser)
    const response = await browser.postForm('/_tapgate/2fa', { code: '1'.repeat(20 * 1024) })
    expect(response.status).toBe(413)
  })

  it('refuses oversized headers before any handler runs', async () => {
    const response = await rawRequest(demo.gateway.url, 'GET', '/api/x', [`X-Big: ${'a'.repeat(20 * 1024)}`])
    expect(response.status).toBe(431)
    expect(demo.panelSaw).toEqual([])
  })

  it('answers an ambiguous path with a clear 400 page', async () => {
    const response = await rawRequest(demo.gateway.url, 'GET', '/api%2f..%2fdashboard', ['Accept: text/html'])
    expect(response.status).toBe(400)
    expect(response.body).toContain('not allowed')
    expect(demo.panelSaw).toEqual([])
  })
})

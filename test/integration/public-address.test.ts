import { request } from 'node:http'
import { describe, expect, it } from 'vitest'
import { BrowserClient, csrfTokenIn } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { signInWithPassword } from '../support/sign-in.ts'

/**
 * Issue 16, bug 6: the demo printed 127.0.0.1:3000 while public_url says localhost:3000, and at that
 * address every form failed as "expired". A browser's navigation there is now sent to public_url's
 * address; a form posted from a page opened there is told where to go instead.
 */
const demo = useDemoGateway({ publicHost: 'localhost' })

/** A browser that opened the gateway at 127.0.0.1 (its listening address), not at public_url's host. */
function browserAtTheWrongAddress() {
  const { url } = demo.gateway
  return new BrowserClient(url, url, { 'sec-fetch-site': 'same-origin' })
}

/** A browser's navigation (fetch() would send Sec-Fetch-Mode: cors whatever it is told). */
function navigate(url: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const sent = request(
      url,
      { headers: { 'sec-fetch-mode': 'navigate', accept: 'text/html' } },
      (answer) => {
        answer.resume()
        resolve({ status: answer.statusCode ?? 0, location: answer.headers.location })
      },
    )
    sent.on('error', reject).end()
  })
}

describe('a browser at another address than public_url', () => {
  it('is sent to the same page at public_url when it navigates; API clients are not', async () => {
    const { url, publicOrigin } = demo.gateway
    expect(new URL(url).hostname).toBe('127.0.0.1')
    expect(await navigate(`${url}/login?next=%2Fdashboard`)).toEqual({
      status: 302,
      location: `${publicOrigin}/login?next=%2Fdashboard`,
    })
    expect(demo.panelSaw).toEqual([])

    const api = await fetch(`${url}/api/status`, { headers: { authorization: 'Bearer demo-api-key' } })
    expect(api.status).toBe(200)
  })

  it('is told where to go, not that the form expired, when it posts a form from a page opened there', async () => {
    const { publicOrigin } = demo.gateway
    const browser = browserAtTheWrongAddress()
    expect((await signInWithPassword(browser)).headers.get('location')).toBe('/_tapgate/2fa')
    const page = await (await browser.get('/_tapgate/enroll?method=totp')).text()
    const refused = await browser.postForm('/_tapgate/enroll', { csrf: csrfTokenIn(page), code: '123456' })
    expect(refused.status).toBe(421)
    const text = await refused.text()
    expect(text).toContain(`This page is served at ${publicOrigin}`)
    expect(text).toContain(`href="${publicOrigin}/login"`)
    expect(text).not.toContain('expired')
  })
})

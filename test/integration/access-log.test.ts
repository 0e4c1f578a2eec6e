import { describe, expect, it } from 'vitest'
import { BrowserClient } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { enrollTotp } from '../support/sign-in.ts'

/** Issue 17: `access_log: true` writes one JSON line per request; off (the default) it writes none. */
describe('the access log', () => {
  const demo = useDemoGateway({ config: () => ({ access_log: true }) })

  /** The access lines so far; each is written once its answer is done, which the fetch awaited. */
  const accessLines = () => demo.gateway.logs.filter((line) => line.event === 'access')

  it('has one line per request: method, normalised path, policy, status, bytes, duration, id, user', async () => {
    const browser = new BrowserClient(demo.gateway.url)
    await enrollTotp(browser, demo.gateway.clock)
    const before = accessLines().length
    const dashboard = await browser.get('/Dashboard/./?secret=hunter2')
    await dashboard.text()
    await (await fetch(`${demo.gateway.url}/api/status`)).text()
    await (await browser.get('/_tapgate/account')).text()

    await expect.poll(() => accessLines().length).toBe(before + 3)
    const [panel, api, page] = accessLines().slice(before)
    expect(panel).toMatchObject({
      method: 'GET',
      policy: 'two_factor',
      status: dashboard.status,
      user: 'demo',
    })
    expect(panel?.path).toBe('/Dashboard/')
    expect(panel?.bytes).toBeGreaterThan(0)
    expect(typeof panel?.ms).toBe('number')
    expect(typeof panel?.requestId).toBe('string')
    expect(api).toMatchObject({ path: '/api/status', policy: 'bypass' })
    expect(api).not.toHaveProperty('user')
    expect(page).toMatchObject({ path: '/_tapgate/account', policy: 'tapgate', status: 200 })
    // The query is never logged: it may carry secrets.
    expect(demo.gateway.logText()).not.toContain('hunter2')
  })
})

describe('without access_log', () => {
  const demo = useDemoGateway()

  it('writes no access line, and requests do no work for it', async () => {
    expect(demo.gateway.services.accessLog).toBeNull()
    await (await fetch(`${demo.gateway.url}/api/status`)).text()
    expect(demo.gateway.logs.filter((line) => line.event === 'access')).toEqual([])
  })
})

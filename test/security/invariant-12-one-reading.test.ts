import { beforeAll, describe, expect, it } from 'vitest'
import type { TestGateway } from '../support/gateway.ts'
import { sessionPanelSuite } from '../support/session-panel.ts'

/**
 * DESIGN invariant 12: the panel and tapgate read the same username from a login. Every login that
 * could be read two ways is refused before the panel sees it; an accepted one reaches the panel as
 * tapgate re-wrote it, with exactly the username tapgate bound the second factor to. (The panel here
 * takes the last of duplicate fields, as PHP and Django do; test/differential/ checks the real parsers.)
 */
const suite = sessionPanelSuite()
let gateway: TestGateway

beforeAll(async () => {
  gateway = await suite.gateway()
})

const form = 'application/x-www-form-urlencoded'

function login(body: string, { type = form, query = '' } = {}) {
  return fetch(`${gateway.url}/login${query}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body,
    redirect: 'manual',
  })
}

describe('a login that could be read two ways is refused before the panel sees it', () => {
  it.each([
    ['a second username field', 'username=someone-new&username=admin&password=admin-password'],
    ['a case variant', 'username=someone-new&Username=admin&password=admin-password'],
    ['an array', 'username=someone-new&username[]=admin&password=admin-password'],
    ['a leading space PHP drops', 'username=someone-new&%20username=admin&password=admin-password'],
    ['a record separator Django strips', 'username=admin%1E&password=admin-password'],
    ['a soft hyphen', 'username=ad%C2%ADmin&password=admin-password'],
    ['a zero-width space', 'username=admin%E2%80%8B&password=admin-password'],
    ['a right-to-left mark', 'username=%E2%80%8Fadmin&password=admin-password'],
    ['a Mongolian vowel separator', 'username=admin%E1%A0%8E&password=admin-password'],
    ['an accent a collation ignores', 'username=%C3%A1dmin&password=admin-password'],
    ['a Turkish dotted capital I', 'username=ADM%C4%B0N&password=admin-password'],
    ['bytes that are not UTF-8', 'username=adm%C0%AFin&password=admin-password'],
  ])('%s', async (_, body) => {
    const before = suite.panel.requests.length
    const response = await login(body)
    expect(response.status).toBe(400)
    expect(response.headers.getSetCookie()).toEqual([])
    expect(suite.panel.requests.length).toBe(before)
  })

  it('a username in the query string as well as the body', async () => {
    const before = suite.panel.requests.length
    const response = await login('username=someone-new&password=admin-password', { query: '?username=admin' })
    expect(response.status).toBe(400)
    expect(suite.panel.requests.length).toBe(before)
  })

  it('a body tapgate does not parse', async () => {
    const before = suite.panel.requests.length
    const response = await login('username=admin&password=admin-password', { type: 'text/plain' })
    expect(response.status).toBe(400)
    expect(suite.panel.requests.length).toBe(before)
    const refusals = gateway.logs.filter((line) => line.event === 'login_refused')
    expect(refusals.at(-1)?.reason).toBe('unsupported_content_type')
    expect(gateway.logText()).not.toContain('admin-password')
  })
})

describe('an accepted login reaches the panel as tapgate read it', () => {
  it('with the username tapgate bound (trimmed), every other field unchanged', async () => {
    const response = await login('username=%20alice%20&password=p%26ss+word%3D&next=%2Fdashboard')
    expect(response.status).toBe(302)
    const received = new URLSearchParams(suite.panel.requests.at(-1)?.body)
    expect([...received]).toEqual([
      ['username', 'alice'],
      ['password', 'p&ss word='],
      ['next', '/dashboard'],
    ])
  })

  it('a JSON login too', async () => {
    await login(JSON.stringify({ username: ' alice', password: 'wrong' }), { type: 'application/json' })
    expect(JSON.parse(suite.panel.requests.at(-1)?.body ?? '')).toEqual({
      username: 'alice',
      password: 'wrong',
    })
  })
})

import { beforeAll, describe, expect, it } from 'vitest'
import { tokenId } from '../../gateway/session/token.ts'
import { keys } from '../../gateway/store/keys.ts'
import { BrowserClient } from '../support/browser-client.ts'
import type { TestGateway } from '../support/gateway.ts'
import { sessionCookieName, sessionPanelSuite, sessionPanelUsers } from '../support/session-panel.ts'
import { enrollTotp } from '../support/sign-in.ts'

/**
 * DESIGN invariant 13: a panel session is only ever used for the verified user it was issued to. The
 * panel here folds names as wikis do (`_alice_` is alice), logs in whoever sends a password to any
 * path, and lets a signed-in user switch the session to another user (an admin's "log in as").
 */
const suite = sessionPanelSuite()
const gatewayWith = (firstFactor: Record<string, unknown> = {}) => suite.gateway({ firstFactor })

const whoami = { path: '/whoami', json_pointer: '/user' }

/** Whom the panel serves this browser as; else the status: 401 from tapgate (not verified), 302 from the panel (no session). */
async function panelUserOf(browser: BrowserClient): Promise<unknown> {
  const response = await browser.get('/whoami', { accept: 'application/json' })
  return response.status === 200 ? ((await response.json()) as { user: string }).user : response.status
}

describe('with confirm_identity, the panel says whom it signed in', () => {
  let gateway: TestGateway
  beforeAll(async () => {
    gateway = await gatewayWith({ confirm_identity: whoami })
  })

  it('a name the panel folds into another user is refused, and nothing is released', async () => {
    await enrollTotp(new BrowserClient(gateway.url), gateway.clock, 'alice')
    for (const typed of ['_alice_', 'User:alice']) {
      const browser = new BrowserClient(gateway.url)
      const response = await browser.postForm('/login', { username: typed, password: 'alice-password' })
      expect(response.status).toBe(403)
      expect(browser.cookies.size).toBe(0)
    }
    expect(gateway.logs.filter((line) => line.event === 'identity_mismatch')).toHaveLength(2)
  })

  it("a verified user posting another user's password to a login tapgate does not know starts that user's sign-in", async () => {
    const browser = new BrowserClient(gateway.url)
    await enrollTotp(browser, gateway.clock, 'bob')
    const aliasLogin = await browser.postForm('/accounts/signin', {
      username: 'alice',
      password: sessionPanelUsers.alice as string,
    })
    expect(aliasLogin.status).toBe(303)
    expect(aliasLogin.headers.get('location')).toBe('/_tapgate/2fa')
    // bob's session has ended and alice's is pending her second factor: nobody acts as alice yet.
    expect(await panelUserOf(browser)).toBe(401)
  })

  it('a panel feature that switches the session to another user does not give it to this one', async () => {
    const browser = new BrowserClient(gateway.url)
    await enrollTotp(browser, gateway.clock, 'carol')
    const switched = await browser.get('/impersonate?user=alice')
    expect(switched.headers.get('location')).toBe('/_tapgate/2fa')
    expect(await panelUserOf(browser)).toBe(401)
  })

  it('a rotation of the same user’s session is kept', async () => {
    const browser = new BrowserClient(gateway.url)
    await enrollTotp(browser, gateway.clock, 'dave')
    expect((await browser.get('/rotate')).status).toBe(200)
    expect(await panelUserOf(browser)).toBe('dave')
  })
})

describe('without confirm_identity', () => {
  let gateway: TestGateway
  beforeAll(async () => {
    gateway = await gatewayWith()
  })

  it("a verified user posting another user's password anywhere starts that user's sign-in", async () => {
    const browser = new BrowserClient(gateway.url)
    await enrollTotp(browser, gateway.clock, 'bob')
    const aliasLogin = await browser.postForm('/accounts/signin', {
      username: 'alice',
      password: sessionPanelUsers.alice as string,
    })
    expect(aliasLogin.headers.get('location')).toBe('/_tapgate/2fa')
    expect(aliasLogin.headers.getSetCookie().some((c) => c.startsWith(`${sessionCookieName}=`))).toBe(false)
    expect(await panelUserOf(browser)).toBe(401)
  })

  it('a jar sealed for one user opens for no other, even moved in the store', async () => {
    const alice = new BrowserClient(gateway.url)
    await enrollTotp(alice, gateway.clock, 'alice')
    const bob = new BrowserClient(gateway.url)
    await enrollTotp(bob, gateway.clock, 'admin')
    const aliceKey = keys.session(tokenId(alice.cookies.get('tapgate_session') as string))
    const bobKey = keys.session(tokenId(bob.cookies.get('tapgate_session') as string))
    const aliceRecord = JSON.parse((await gateway.store.get(aliceKey)) as string) as { panelJar: string }
    const bobRecord = JSON.parse((await gateway.store.get(bobKey)) as string) as Record<string, unknown>
    await gateway.store.set(bobKey, JSON.stringify({ ...bobRecord, panelJar: aliceRecord.panelJar }), 60_000)
    expect(await panelUserOf(bob)).toBe(302)
    expect(await panelUserOf(alice)).toBe('alice')
  })
})

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { BrowserClient } from '../../support/browser-client.ts'
import { type DokuWikiPanel, startDokuWiki } from '../../support/dokuwiki-panel.ts'
import { startTestGateway, type TestGateway } from '../../support/gateway.ts'
import {
  dokuWikiSignedInUser,
  dokuWikiSignedInUserIn,
  enrollAfterPanelLogin,
  enrollIfOffered,
  type FormFields,
  logInToDokuWiki,
  logOutOfDokuWiki,
  type PanelAccount,
  postDokuWikiLogin,
  postFields,
  proveTotpAfterPanelLogin,
  RecordingBrowser,
  saveDokuWikiPage,
} from '../../support/panel-drivers.ts'

/**
 * tapgate in front of a real DokuWiki, configured as docs/guides/dokuwiki.md says: the wiki's own
 * login form, then a second factor; tapgate holds both of DokuWiki's session cookies. DokuWiki logs
 * in whoever sends `u` and `p` to any of its scripts by any method (or an Authorization header), and
 * folds names like page ids, so each of those ways is tried and refused
 * (test/integration/panels/real-panels-direct.test.ts records the wiki's behaviour).
 */
let panel: DokuWikiPanel
let gateway: TestGateway

/** The guide's settings; the auth cookie's name depends on the wiki's path and port. */
function guideSettings(authCookie: string) {
  return {
    first_factor: {
      mode: 'upstream',
      login_path: '/doku.php',
      username_field: 'u',
      password_field: 'p',
      usernames: 'ascii',
      // DokuWiki's PHP session starts on the login page, before anyone signs in; DW… is the sign-in.
      panel_cookies: [authCookie],
      // A GET or PUT login is answered 200, a POST 302; only a good one sets DW….
      success: { status: [200, 302], set_cookie: authCookie },
      confirm_identity: {
        path: '/doku.php',
        regex: 'Logged in as: <bdi>[^<]*</bdi> \\(<bdi>([^<]+)</bdi>\\)',
      },
      logout_paths: [{ path: '/doku.php', query: 'do', equals: 'logout' }],
    },
    rules: [
      // The login page's stylesheet, scripts and images: these scripts start no session and log nobody in.
      { path: '/lib/exe/css.php', methods: ['GET', 'HEAD'], policy: 'bypass' },
      { path: '/lib/exe/js.php', methods: ['GET', 'HEAD'], policy: 'bypass' },
      { path: '/lib/exe/jquery.php', methods: ['GET', 'HEAD'], policy: 'bypass' },
      {
        regex: '^/lib/(images|tpl/[a-z0-9_]+/images)/[A-Za-z0-9_./-]+\\.(png|gif|svg|ico)$',
        methods: ['GET', 'HEAD'],
        policy: 'bypass',
      },
    ],
  }
}

beforeAll(async () => {
  // Members only, as the guide advises: a visitor sees nothing of the wiki but its login form.
  panel = await startDokuWiki({ anonymous: 'none' })
})
afterAll(() => panel.stop())

beforeEach(async () => {
  gateway = await startTestGateway({ upstreamUrl: panel.url, config: guideSettings(panel.authCookie) })
})
afterEach(() => gateway.close())

/**
 * The cookie that signs a browser in: DW…. DokuWiki's PHP session cookie starts on the login page,
 * before anyone signs in, and alone signs no one in (real-panels-direct.test.ts).
 */
function panelSession(): string[] {
  return [panel.authCookie]
}

function browserFor(): RecordingBrowser {
  return new RecordingBrowser(gateway.url, gateway.publicOrigin)
}

/** Password, tapgate's enrollment of an app, then the wiki: a verified browser and its TOTP secret. */
async function signInAndEnroll(account: PanelAccount) {
  const browser = browserFor()
  const login = await logInToDokuWiki(browser, account)
  expect(login.status).toBe(303)
  expect(login.headers.get('location')).toBe('/_tapgate/2fa')
  const { secret, landing } = await enrollAfterPanelLogin(browser, gateway.clock)
  expect(landing).toBe('/doku.php?id=start')
  return { browser, secret }
}

/** Whoever the wiki's user tools show once the attacker has gone as far as tapgate lets them. */
async function endsSignedInAs(browser: RecordingBrowser) {
  await enrollIfOffered(browser, gateway.clock)
  return dokuWikiSignedInUser(browser)
}

function expectNoPanelSession(browser: RecordingBrowser) {
  expect(browser.cookiesSet(panelSession())).toEqual([])
  for (const name of panelSession()) expect(browser.cookies.has(name)).toBe(false)
}

/** The answer must not be a wiki page rendered for a signed-in user. */
async function expectNobodyShownIn(answer: Response) {
  expect(dokuWikiSignedInUserIn(await answer.text())).toBeNull()
}

describe('signing in to DokuWiki through tapgate', () => {
  it('asks for the password on the wiki’s own form, then an app, then shows the wiki; its cookies stay with tapgate', async () => {
    const browser = browserFor()
    const page = await browser.get('/doku.php?id=start')
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('id="dw__login"')
    expect(dokuWikiSignedInUserIn(html)).toBeNull()

    const login = await logInToDokuWiki(browser, panel.users.admin)
    expect(login.status).toBe(303)
    expect(login.headers.get('location')).toBe('/_tapgate/2fa')
    expect((await browser.get('/_tapgate/2fa')).headers.get('location')).toBe('/_tapgate/enroll')
    const { landing } = await enrollAfterPanelLogin(browser, gateway.clock)
    expect(landing).toBe('/doku.php?id=start')

    expect(await dokuWikiSignedInUser(browser)).toBe('admin')
    expectNoPanelSession(browser)
  })

  it('asks an enrolled user for their code on the next sign-in, and only then shows the wiki as theirs', async () => {
    const { secret } = await signInAndEnroll(panel.users.editor)
    const browser = browserFor()
    const login = await logInToDokuWiki(browser, panel.users.editor)
    expect(login.headers.get('location')).toBe('/_tapgate/2fa')
    expect(await dokuWikiSignedInUser(browser)).toBeNull()
    expect((await proveTotpAfterPanelLogin(browser, secret, gateway.clock)).status).toBe(303)
    expect(await dokuWikiSignedInUser(browser)).toBe('editor')
    expectNoPanelSession(browser)
  })

  it('passes a wrong password back as the wiki answered it (403), with no session of any kind', async () => {
    const browser = browserFor()
    const failed = await postDokuWikiLogin(browser, { u: 'admin', p: 'wrong' })
    expect(failed.status).toBe(403)
    expect(await failed.text()).toContain('Sorry, username or password was wrong.')
    expect(browser.cookies.has(gateway.services.cookie.name)).toBe(false)
    expectNoPanelSession(browser)
  })

  it('saves a page with the editor’s sectok, as the user who signed in', async () => {
    const { browser } = await signInAndEnroll(panel.users.editor)
    const saved = await saveDokuWikiPage(browser, 'tapgate:through', 'saved through tapgate')
    expect(saved.status).toBe(302)
    expect(await panel.lastEditorOf('tapgate:through')).toBe('editor')
    expectNoPanelSession(browser)
  })

  it('logs out with the user tools’ link: tapgate’s session ends, and the wiki shows its login form', async () => {
    const { browser } = await signInAndEnroll(panel.users.admin)
    const out = await logOutOfDokuWiki(browser)
    expect(out.status).toBe(302)
    expect(browser.cookies.has(gateway.services.cookie.name)).toBe(false)
    const after = await browser.get('/doku.php?id=start')
    const html = await after.text()
    expect(html).toContain('id="dw__login"')
    expect(dokuWikiSignedInUserIn(html)).toBeNull()
  })

  it('after the idle timeout ends on the login form, though DokuWiki would still take the cookies tapgate held', async () => {
    const { browser } = await signInAndEnroll(panel.users.admin)
    gateway.clock.advance(gateway.services.config.session.idle + 60_000)
    const visited: string[] = []
    let path = '/doku.php?id=start'
    let answer = await browser.get(path)
    while (answer.status >= 300 && answer.status < 400 && visited.length < 5) {
      visited.push(path)
      path = answer.headers.get('location') as string
      answer = await browser.get(path)
    }
    expect(visited.length).toBeLessThan(5)
    expect(answer.status).toBe(200)
    const html = await answer.text()
    expect(html).toContain('id="dw__login"')
    expect(dokuWikiSignedInUserIn(html)).toBeNull()
  })

  it('serves the login page’s stylesheet and images to anyone (the guide’s rules)', async () => {
    expect((await fetch(`${gateway.url}/lib/exe/css.php?t=dokuwiki`)).status).toBe(200)
    expect((await fetch(`${gateway.url}/lib/tpl/dokuwiki/images/logo.png`)).status).toBe(200)
  })
})

describe('every way around the second factor is refused', () => {
  /** Admin has enrolled an app; the attacker knows admin's password, not the app. */
  beforeEach(async () => {
    await signInAndEnroll(panel.users.admin)
  })

  const password = () => panel.users.admin.password

  /** One crafted login on the wiki's own form: the wiki must never show the attacker as admin. */
  async function attempt(
    fields: FormFields,
    options: { path?: string; headers?: Record<string, string> } = {},
  ) {
    const browser = browserFor()
    const answer = await postDokuWikiLogin(browser, fields, options)
    await expectNobodyShownIn(answer)
    expect(await endsSignedInAs(browser)).not.toBe('admin')
    expectNoPanelSession(browser)
  }

  /** One request of any shape from a fresh browser without a session. */
  async function attemptRequest(
    path: string,
    init: { method: string; body?: string; headers?: Record<string, string> },
  ) {
    const browser = browserFor()
    const answer = await browser.request(path, {
      method: init.method,
      ...(init.body === undefined ? {} : { body: init.body }),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: gateway.publicOrigin,
        ...init.headers,
      },
    })
    await expectNobodyShownIn(answer)
    expect(await endsSignedInAs(browser)).not.toBe('admin')
    expectNoPanelSession(browser)
  }

  it('a duplicate username field (PHP takes the last)', async () => {
    await attempt([
      ['u', 'editor'],
      ['u', 'admin'],
      ['p', password()],
    ])
  })

  it.each([
    ['a leading space', ' u'],
    ['a leading plus (a space)', '+u'],
    ['a NUL and more', 'u\x00x'],
  ])('a second username field PHP reads as u after dropping %s', async (_what, name) => {
    await attempt([
      ['u', 'editor'],
      [name, 'admin'],
      ['p', password()],
    ])
  })

  it.each([
    ['a control character DokuWiki strips', 'admin\x1e'],
    ['a soft hyphen', 'ad\u00admin'],
    ['a zero-width space', 'admin\u200b'],
    ['a leading underscore DokuWiki trims', '_admin'],
    ['a trailing dot DokuWiki trims', 'Admin.'],
    ['a namespace separator', 'admin:'],
    ['an accent DokuWiki drops', '\u00e0dmin'],
  ])('a username with %s', async (_what, u) => {
    await attempt({ u, p: password() })
  })

  it('a username in the query string beside another in the body', async () => {
    await attempt({ u: 'admin', p: password() }, { path: '/doku.php?id=start&u=editor' })
  })

  it.each([
    ['GET', `/doku.php?do=login&u=admin&p=`],
    ['GET', `/doku.php?id=start&u=admin&p=`],
    ['GET', `/doku.php?do=admin&page=usermanager&u=admin&p=`],
    ['PUT', `/doku.php?do=login&u=admin&p=`],
    ['DELETE', `/doku.php?id=start&u=admin&p=`],
    ['GET', `/doku.php/start?u=admin&p=`],
    ['GET', `/DOKU.PHP?do=login&u=admin&p=`],
    ['GET', `/lib/exe/ajax.php?call=lock&id=start&u=admin&p=`],
    ['GET', `/feed.php?u=admin&p=`],
    ['GET', `/lib/exe/mediamanager.php?u=admin&p=`],
  ])('a %s of %s…', async (method, target) => {
    await attemptRequest(`${target}${encodeURIComponent(password())}`, { method })
  })

  it.each([
    ['do=login in the query, do=show in the body', '/doku.php?id=start&do=login', 'do=show'],
    ['do=login and a wiki page to render', '/doku.php?id=start', 'do=login&id=wiki:syntax&do=show'],
    ['do=login as an array', '/doku.php?id=start', 'do[login]=1'],
  ])(
    'a right password whose answer is not the 302 the success rule expects: %s',
    async (_what, path, extra) => {
      await attemptRequest(path, {
        method: 'POST',
        body: `${extra}&u=admin&p=${encodeURIComponent(password())}`,
      })
    },
  )

  it('Basic credentials on the login page (DokuWiki reads any Authorization header as Basic)', async () => {
    const basic = `Basic ${Buffer.from(`admin:${password()}`).toString('base64')}`
    await attemptRequest('/doku.php?do=login', { method: 'GET', headers: { authorization: basic } })
    await attemptRequest('/doku.php?id=start', { method: 'GET', headers: { authorization: basic } })
  })

  it('panel cookies the browser brings: admin’s “remember me” cookie, a logged-out pair, a forged one', async () => {
    const sticky = await fetch(`${panel.url}/doku.php`, {
      method: 'POST',
      body: new URLSearchParams({ do: 'login', u: 'admin', p: password(), r: '1' }),
      redirect: 'manual',
    })
    const line = sticky.headers.getSetCookie().find((c) => c.startsWith(`${panel.authCookie}=`)) as string
    const remembered = line.slice(line.indexOf('=') + 1, line.indexOf(';'))
    const loggedOut = new BrowserClient(panel.url)
    await logInToDokuWiki(loggedOut, panel.users.admin)
    const stalePair = { ...Object.fromEntries(loggedOut.cookies) }
    await logOutOfDokuWiki(loggedOut)

    const brought: Record<string, string>[] = [
      { [panel.authCookie]: remembered },
      stalePair,
      { [panel.authCookie]: 'YWRtaW4%3D%7C1%7Cforged', DokuWiki: 'forgedsessionid0123456789' },
    ]
    for (const cookies of brought) {
      const browser = browserFor()
      for (const [name, value] of Object.entries(cookies)) browser.cookies.set(name, value)
      const page = await browser.get('/doku.php?do=login')
      const html = await page.text()
      expect(html).toContain('id="dw__login"')
      expect(dokuWikiSignedInUserIn(html)).toBeNull()
      expect(await endsSignedInAs(browser)).not.toBe('admin')
      expect(browser.cookiesSet(panelSession())).toEqual([])
    }
  })

  it('another user’s panel cookie, brought by a verified user', async () => {
    const sticky = await fetch(`${panel.url}/doku.php`, {
      method: 'POST',
      body: new URLSearchParams({ do: 'login', u: 'admin', p: password(), r: '1' }),
      redirect: 'manual',
    })
    const line = sticky.headers.getSetCookie().find((c) => c.startsWith(`${panel.authCookie}=`)) as string
    const { browser } = await signInAndEnroll(panel.users.editor)
    browser.cookies.set(panel.authCookie, line.slice(line.indexOf('=') + 1, line.indexOf(';')))
    expect(await dokuWikiSignedInUser(browser)).toBe('editor')
    expect((await saveDokuWikiPage(browser, 'tapgate:brought', 'with admin’s cookie')).status).toBe(302)
    expect(await panel.lastEditorOf('tapgate:brought')).toBe('editor')
  })

  it.each([
    ['the query of an ajax call', 'GET', '/lib/exe/ajax.php?call=lock&id=start&u=admin&p=', undefined],
    ['the query of a page view', 'GET', '/doku.php?id=start&u=admin&p=', undefined],
    ['the body of a form that is not the login', 'POST', '/doku.php?id=start', 'do=show&u=admin&p='],
    ['a second field PHP reads as u', 'POST', '/doku.php?id=start', 'do=show&%20u=admin&p='],
  ])('a verified user sending another user’s password in %s', async (_what, method, path, body) => {
    const { browser } = await signInAndEnroll(panel.users.editor)
    browser.setCookies.length = 0
    const secret = encodeURIComponent(password())
    const answer = await browser.request(body === undefined ? `${path}${secret}` : path, {
      method,
      ...(body === undefined ? {} : { body: `${body}${secret}` }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: gateway.publicOrigin },
    })
    expect(dokuWikiSignedInUserIn(await answer.text())).not.toBe('admin')
    expect(await endsSignedInAs(browser)).not.toBe('admin')
    expectNoPanelSession(browser)
  })

  it('a verified user saving a page as another user, with that user’s u and p in the edit itself', async () => {
    const { browser } = await signInAndEnroll(panel.users.editor)
    const credentials = `u=admin&p=${encodeURIComponent(password())}`
    // The editor page rendered for admin would carry admin's sectok; tapgate must not hand it out.
    const editor = await (
      await browser.get(`/doku.php?id=tapgate:impersonated&do=edit&${credentials}`)
    ).text()
    const sectok = /name="sectok" value="([0-9a-f]*)"/.exec(editor)?.[1] ?? ''
    await postFields(browser, `/doku.php?id=tapgate:impersonated&do=edit&${credentials}`, {
      sectok,
      id: 'tapgate:impersonated',
      prefix: '.',
      suffix: '',
      changecheck: 'd41d8cd98f00b204e9800998ecf8427e',
      target: 'section',
      wikitext: 'saved as admin without admin’s second factor',
      summary: 'impersonation',
      'do[save]': '1',
    })
    expect(await panel.lastEditorOf('tapgate:impersonated')).not.toBe('admin')
    expectNoPanelSession(browser)
  })
})

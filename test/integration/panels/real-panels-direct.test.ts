import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BrowserClient } from '../../support/browser-client.ts'
import { type DjangoAdminPanel, startDjangoAdmin } from '../../support/django-admin-panel.ts'
import { type DokuWikiPanel, startDokuWiki } from '../../support/dokuwiki-panel.ts'
import {
  addDjangoGroup,
  djangoLoginPath,
  djangoSignedInUser,
  dokuWikiLoginPage,
  dokuWikiSectokIn,
  dokuWikiSignedInUser,
  dokuWikiSignedInUserIn,
  type FormFields,
  logInToDjangoAdmin,
  logInToDokuWiki,
  logOutOfDjangoAdmin,
  logOutOfDokuWiki,
  postDjangoLogin,
  postDokuWikiLogin,
  postFields,
  saveDokuWikiPage,
} from '../../support/panel-drivers.ts'

/**
 * The two real panels, with no tapgate in front: proves the fixtures and drivers, and records as
 * assertions what tapgate's configuration for each panel relies on (docs/guides/django-admin.md,
 * docs/guides/dokuwiki.md): login paths and fields, the answers to a right and a wrong password, which
 * cookie carries the session, where CSRF is checked, how usernames are folded, who is signed in.
 */

/** `name` of every Set-Cookie, in order. */
function cookieNames(response: Response): string[] {
  return response.headers.getSetCookie().map((line) => line.slice(0, line.indexOf('=')).trim())
}

/** The Set-Cookie of `name` that gives it a value (not one clearing it), or undefined. */
function settingCookie(response: Response, name: string): string | undefined {
  return response.headers
    .getSetCookie()
    .map((line) => line.trim())
    .find((line) => line.startsWith(`${name}=`) && !/max-age=0|=deleted;|=""/i.test(line))
}

function clearsCookie(response: Response, name: string): boolean {
  return response.headers
    .getSetCookie()
    .some((line) => line.trim().startsWith(`${name}=`) && /max-age=0/i.test(line))
}

describe('Django admin (Debian python3-django 3.2), directly', () => {
  let panel: DjangoAdminPanel
  beforeAll(async () => {
    panel = await startDjangoAdmin()
  })
  afterAll(() => panel.stop())

  /** Who the admin greets after posting `fields` to the login form; null when it did not log in. */
  async function signedInAfter(
    fields: FormFields,
    options: { path?: string; headers?: Record<string, string> } = {},
  ) {
    const browser = new BrowserClient(panel.url)
    const answer = await postDjangoLogin(browser, fields, options)
    return settingCookie(answer, 'sessionid') === undefined ? null : await djangoSignedInUser(browser)
  }

  it('sends a visitor to the login form, whose page sets only csrftoken', async () => {
    const browser = new BrowserClient(panel.url)
    const index = await browser.get('/admin/')
    expect(index.status).toBe(302)
    expect(index.headers.get('location')).toBe('/admin/login/?next=/admin/')

    const page = await browser.get('/admin/login/?next=/admin/')
    expect(page.status).toBe(200)
    expect(cookieNames(page)).toEqual(['csrftoken'])
    const html = await page.text()
    expect(html).toContain('<form action="/admin/login/?next=/admin/" method="post" id="login-form">')
    expect(html).toContain('name="csrfmiddlewaretoken"')
    expect(html).toContain('name="username"')
    expect(html).toContain('name="password"')
    expect(html).toContain('<input type="hidden" name="next" value="/admin/">')
  })

  it('answers a right password with 302 to `next`, a new csrftoken and sessionid', async () => {
    const browser = new BrowserClient(panel.url)
    const answer = await logInToDjangoAdmin(browser, panel.users.admin)
    expect(answer.status).toBe(302)
    expect(answer.headers.get('location')).toBe('/admin/')
    expect(cookieNames(answer)).toEqual(['csrftoken', 'sessionid'])
    expect(settingCookie(answer, 'sessionid')).toMatch(
      /^sessionid=[a-z0-9]{32}; expires=[^;]+; HttpOnly; Max-Age=1209600; Path=\/; SameSite=Lax$/,
    )
    expect(await djangoSignedInUser(browser)).toBe('admin')
  })

  it('redirects to LOGIN_REDIRECT_URL, not the admin, when the login POST has no `next`', async () => {
    // The redirect is the caller's to choose: `success.location` cannot tell a right password.
    const browser = new BrowserClient(panel.url)
    const answer = await postDjangoLogin(browser, { username: 'admin', password: panel.users.admin.password })
    expect(answer.status).toBe(302)
    expect(answer.headers.get('location')).toBe('/accounts/profile/')
    expect(settingCookie(answer, 'sessionid')).toBeDefined()
  })

  it('answers a wrong password with 200, the form and its error, and no sessionid', async () => {
    const browser = new BrowserClient(panel.url)
    const answer = await postDjangoLogin(browser, { username: 'admin', password: 'wrong' })
    expect(answer.status).toBe(200)
    expect(answer.headers.get('location')).toBeNull()
    expect(cookieNames(answer)).toEqual(['csrftoken'])
    expect(await answer.text()).toContain(
      'Please enter the correct username and password for a staff account.',
    )
  })

  it('keeps a user signed in by sessionid alone; csrftoken carries no session', async () => {
    const browser = new BrowserClient(panel.url)
    await logInToDjangoAdmin(browser, panel.users.editor)
    const onlySession = new BrowserClient(panel.url)
    onlySession.cookies.set('sessionid', browser.cookies.get('sessionid') as string)
    expect(await djangoSignedInUser(onlySession)).toBe('editor')
    const onlyCsrf = new BrowserClient(panel.url)
    onlyCsrf.cookies.set('csrftoken', browser.cookies.get('csrftoken') as string)
    expect(await djangoSignedInUser(onlyCsrf)).toBeNull()
  })

  it('checks the form token against the csrftoken cookie; over http neither Origin nor Referer', async () => {
    const browser = new BrowserClient(panel.url)
    await logInToDjangoAdmin(browser, panel.users.admin)

    const added = await addDjangoGroup(browser, 'operators')
    expect(added.status).toBe(302)
    expect(added.headers.get('location')).toBe('/admin/auth/group/')
    expect(await panel.whoAddedGroup('operators')).toBe('admin')

    const noToken = await postFields(browser, '/admin/auth/group/add/', { name: 'no-token', _save: 'Save' })
    expect(noToken.status).toBe(403)
    expect(await noToken.text()).toContain('CSRF verification failed')
    const wrongToken = await postFields(browser, '/admin/auth/group/add/', {
      csrfmiddlewaretoken: 'x'.repeat(64),
      name: 'wrong-token',
      _save: 'Save',
    })
    expect(wrongToken.status).toBe(403)

    // Django 3.2 checks the Referer only for https requests (request.is_secure()), and never Origin.
    const page = await (await browser.get('/admin/auth/group/add/')).text()
    const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(page)?.[1] as string
    const foreign = await postFields(
      browser,
      '/admin/auth/group/add/',
      { csrfmiddlewaretoken: token, name: 'foreign-origin', _save: 'Save' },
      { origin: 'http://evil.example', referer: 'http://evil.example/form' },
    )
    expect(foreign.status).toBe(302)
    expect(await panel.whoAddedGroup('foreign-origin')).toBe('admin')
  })

  it('greets a user by first name when they have one, else by username; base_site.html can name the login', async () => {
    const browser = new BrowserClient(panel.url)
    await logInToDjangoAdmin(browser, panel.users.editor)
    expect(await djangoSignedInUser(browser)).toBe('editor')
    await panel.shell(
      "from django.contrib.auth.models import User\nUser.objects.filter(username='editor').update(first_name='Admin')",
    )
    try {
      // Another user's login as a first name: a welcome line is an identity source only once overridden.
      expect(await djangoSignedInUser(browser)).toBe('Admin')
    } finally {
      await panel.shell(
        "from django.contrib.auth.models import User\nUser.objects.filter(username='editor').update(first_name='')",
      )
    }

    const overridden = await startDjangoAdmin({ welcome: 'username' })
    try {
      await overridden.shell(
        "from django.contrib.auth.models import User\nUser.objects.filter(username='editor').update(first_name='Admin')",
      )
      const viaOverride = new BrowserClient(overridden.url)
      await logInToDjangoAdmin(viaOverride, overridden.users.editor)
      expect(await djangoSignedInUser(viaOverride)).toBe('editor')
    } finally {
      await overridden.stop()
    }
  })

  it('logs out by GET /admin/logout/ (3.2; 4.1+ wants POST), clearing sessionid and ending it server-side', async () => {
    const browser = new BrowserClient(panel.url)
    await logInToDjangoAdmin(browser, panel.users.admin)
    const sessionid = browser.cookies.get('sessionid') as string
    const out = await logOutOfDjangoAdmin(browser)
    expect(out.status).toBe(200)
    expect(await out.text()).toContain('Logged out')
    expect(clearsCookie(out, 'sessionid')).toBe(true)
    expect(await djangoSignedInUser(browser)).toBeNull()

    const replay = new BrowserClient(panel.url)
    replay.cookies.set('sessionid', sessionid)
    expect(await djangoSignedInUser(replay)).toBeNull()

    // 3.2 takes POST too, with the token in the form or in X-CSRFToken.
    await logInToDjangoAdmin(browser, panel.users.admin)
    const posted = await postFields(
      browser,
      '/admin/logout/',
      {},
      {
        'x-csrftoken': browser.cookies.get('csrftoken') as string,
      },
    )
    expect(posted.status).toBe(200)
    expect(await djangoSignedInUser(browser)).toBeNull()
  })

  it('strips what Python calls whitespace and folds NFKC, but matches case and format characters exactly', async () => {
    const password = panel.users.admin.password
    const foldedToAdmin = [
      ' admin ',
      'admin\x1f',
      '\x1cadmin',
      'admin\x0b',
      'admin\u00a0',
      'admin\u3000',
      'admin\u2028',
      '\uff41\uff44\uff4d\uff49\uff4e',
      '\u00aadmin',
      'admin\u0085',
    ]
    for (const username of foldedToAdmin) {
      expect(await signedInAfter({ username, password }), JSON.stringify(username)).toBe('admin')
    }
    for (const username of ['Admin', 'ADMIN', 'admin\u200b', 'ad\u00admin', 'adm\u0131n', '_admin']) {
      expect(await signedInAfter({ username, password }), JSON.stringify(username)).toBeNull()
    }
  })

  it('takes the last of repeated fields, honours the charset of the body, reads multipart, never the query string', async () => {
    const admin = panel.users.admin
    expect(
      await signedInAfter([
        ['username', 'editor'],
        ['username', 'admin'],
        ['password', admin.password],
      ]),
    ).toBe('admin')
    expect(
      await signedInAfter([
        ['username', 'admin'],
        ['password', 'wrong'],
        ['password', admin.password],
      ]),
    ).toBe('admin')
    // "+AGE-" is UTF-7 for "a": a reader that assumes UTF-8 sees another name than Django logs in.
    expect(
      await signedInAfter(
        { username: '+AGE-dmin', password: admin.password },
        { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-7' } },
      ),
    ).toBe('admin')
    expect(
      await signedInAfter(
        { next: '/admin/' },
        { path: `${djangoLoginPath}?username=admin&password=${admin.password}` },
      ),
    ).toBeNull()
    expect(await signedInAfter({ 'user name': 'admin', password: admin.password })).toBeNull()

    const browser = new BrowserClient(panel.url)
    const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(
      await (await browser.get(djangoLoginPath)).text(),
    )?.[1]
    const boundary = 'tapgate-boundary'
    const part = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
    const multipart = await browser.request(djangoLoginPath, {
      method: 'POST',
      body: `${part('csrfmiddlewaretoken', token as string)}${part('username', 'admin')}${part('password', admin.password)}--${boundary}--\r\n`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    })
    expect(multipart.status).toBe(302)
    expect(await djangoSignedInUser(browser)).toBe('admin')

    const getLogin = new BrowserClient(panel.url)
    const got = await getLogin.get(`${djangoLoginPath}?username=admin&password=${admin.password}`)
    expect(got.status).toBe(200)
    expect(cookieNames(got)).not.toContain('sessionid')
  })

  it('logs in at percent-encoded spellings of the login path, and at none of the other readings', async () => {
    const fields = { username: 'admin', password: panel.users.admin.password }
    for (const path of [
      '/admin/log%69n/',
      '/admin/login%2F',
      '//admin/login/',
      '/admin/login/?next=/admin/',
    ]) {
      expect(await signedInAfter(fields, { path }), path).toBe('admin')
    }
    // Case, a missing slash, ';' parameters: the admin's catch-all sends these to the login page.
    for (const path of [
      '/admin/login',
      '/admin/Login/',
      '/ADMIN/LOGIN/',
      '/admin/login/;x',
      '/admin/login//',
    ]) {
      expect(await signedInAfter(fields, { path }), path).toBeNull()
    }
  })

  it('sends a signed-in user from the login page to /admin/, and ends their session when they log in as another', async () => {
    const browser = new BrowserClient(panel.url)
    await logInToDjangoAdmin(browser, panel.users.admin)
    const adminSession = browser.cookies.get('sessionid') as string
    // The login page is no form for a signed-in user: a panel session cookie sent there ends on /admin/.
    const again = await browser.get('/admin/login/?next=/admin/')
    expect(again.status).toBe(302)
    expect(again.headers.get('location')).toBe('/admin/')
    const answer = await logInToDjangoAdmin(browser, panel.users.editor)
    expect(settingCookie(answer, 'sessionid')).toBeDefined()
    expect(await djangoSignedInUser(browser)).toBe('editor')
    const old = new BrowserClient(panel.url)
    old.cookies.set('sessionid', adminSession)
    expect(await djangoSignedInUser(old)).toBeNull()
  })
})

describe('DokuWiki (Debian dokuwiki 2022-07-31), directly', () => {
  let panel: DokuWikiPanel
  beforeAll(async () => {
    panel = await startDokuWiki()
  })
  afterAll(() => panel.stop())

  /** The login the auth cookie names (its value starts with base64(login)); null when it sets none. */
  function loginInAuthCookie(response: Response): string | null {
    const line = settingCookie(response, panel.authCookie)
    if (line === undefined) return null
    const value = decodeURIComponent(line.slice(line.indexOf('=') + 1, line.indexOf(';')))
    return Buffer.from(value.split('|')[0] as string, 'base64').toString('utf8')
  }

  /** A request with no cookies at all, as fetch sends it. */
  function send(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${panel.url}${path}`, { redirect: 'manual', ...init })
  }

  function form(fields: FormFields): RequestInit {
    const pairs = Array.isArray(fields) ? fields : Object.entries(fields)
    return {
      method: 'POST',
      body: new URLSearchParams(pairs as [string, string][]).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    }
  }

  it('starts its PHP session on the login page and clears the auth cookie on every anonymous answer', async () => {
    expect(panel.authCookie).toMatch(/^DW[0-9a-f]{32}$/)
    const page = await send(dokuWikiLoginPage)
    expect(page.status).toBe(200)
    expect(cookieNames(page)).toEqual(['DokuWiki', panel.authCookie])
    expect(settingCookie(page, 'DokuWiki')).toMatch(/^DokuWiki=[a-z0-9]{26}; path=\/; HttpOnly$/)
    expect(clearsCookie(page, panel.authCookie)).toBe(true)
    const html = await page.text()
    expect(html).toContain('<form id="dw__login" action="/doku.php?id=start" method="post"')
    expect(html).toContain('<input type="hidden" name="sectok" value="" />')
    expect(html).toContain('<input type="hidden" name="do" value="login" />')
    expect(html).toContain('name="u"')
    expect(html).toContain('name="p"')
    expect(html).toContain('name="r"')
    expect(dokuWikiSectokIn(html)).toBe('')
  })

  it('answers a right password with 302 to the page on the Host it was asked by, and the auth cookie', async () => {
    const browser = new BrowserClient(panel.url)
    const answer = await logInToDokuWiki(browser, panel.users.admin)
    expect(answer.status).toBe(302)
    expect(answer.headers.get('location')).toBe(`${panel.url}/doku.php?id=start`)
    // The session started on the login page goes on: DokuWiki does not change its id at login.
    expect(cookieNames(answer)).toEqual([panel.authCookie])
    expect(settingCookie(answer, panel.authCookie)).toMatch(
      new RegExp(`^${panel.authCookie}=YWRtaW4%3D%7C0%7C[A-Za-z0-9%]+; path=/; HttpOnly$`),
    )
    expect(loginInAuthCookie(answer)).toBe('admin')

    const noSessionYet = await send(
      '/doku.php?id=start',
      form({ do: 'login', u: 'admin', p: panel.users.admin.password }),
    )
    expect(noSessionYet.status).toBe(302)
    expect(cookieNames(noSessionYet)).toEqual(['DokuWiki', panel.authCookie])
  })

  it('answers a wrong password with 403 "Login failed" and clears the auth cookie', async () => {
    const browser = new BrowserClient(panel.url)
    const answer = await postDokuWikiLogin(browser, { u: 'admin', p: 'wrong' })
    expect(answer.status).toBe(403)
    expect(answer.statusText).toBe('Login failed')
    expect(answer.headers.get('location')).toBeNull()
    expect(cookieNames(answer)).toEqual([panel.authCookie])
    expect(clearsCookie(answer, panel.authCookie)).toBe(true)
    expect(await answer.text()).toContain('Sorry, username or password was wrong.')
  })

  it('needs both cookies after a normal login; after "remember me" the auth cookie alone signs in', async () => {
    const browser = new BrowserClient(panel.url)
    await logInToDokuWiki(browser, panel.users.editor)
    const session = browser.cookies.get('DokuWiki') as string
    const auth = browser.cookies.get(panel.authCookie) as string
    const only = async (cookies: Record<string, string>) => {
      const client = new BrowserClient(panel.url)
      for (const [name, value] of Object.entries(cookies)) client.cookies.set(name, value)
      return dokuWikiSignedInUser(client)
    }
    expect(await only({ DokuWiki: session, [panel.authCookie]: auth })).toBe('editor')
    // The auth cookie holds the password encrypted with a key bound to the PHP session id.
    expect(await only({ [panel.authCookie]: auth })).toBeNull()
    expect(await only({ DokuWiki: session })).toBeNull()

    const sticky = await send(
      '/doku.php',
      form({ do: 'login', u: 'editor', p: panel.users.editor.password, r: '1' }),
    )
    const line = settingCookie(sticky, panel.authCookie) as string
    expect(line).toMatch(/%7C1%7C.*; Max-Age=31536000; path=\/; HttpOnly$/)
    expect(await only({ [panel.authCookie]: line.slice(line.indexOf('=') + 1, line.indexOf(';')) })).toBe(
      'editor',
    )
  })

  it('ignores sectok at login but checks it before saving a page', async () => {
    const forged = await send(
      '/doku.php',
      form({ sectok: 'forged', do: 'login', u: 'admin', p: panel.users.admin.password }),
    )
    expect(forged.status).toBe(302)
    expect(loginInAuthCookie(forged)).toBe('admin')

    const browser = new BrowserClient(panel.url)
    await logInToDokuWiki(browser, panel.users.editor)
    const page = await (await browser.get('/doku.php?id=start')).text()
    expect(dokuWikiSectokIn(page)).toMatch(/^[0-9a-f]{32}$/)

    const saved = await saveDokuWikiPage(browser, 'tapgate:direct', 'saved by the editor')
    expect(saved.status).toBe(302)
    expect(await panel.lastEditorOf('tapgate:direct')).toBe('editor')

    const withoutToken = await postFields(browser, '/doku.php?id=tapgate:forged&do=edit', {
      sectok: '0'.repeat(32),
      id: 'tapgate:forged',
      prefix: '.',
      suffix: '',
      wikitext: 'forged',
      'do[save]': '1',
    })
    expect(withoutToken.status).toBe(200)
    expect(await withoutToken.text()).toContain('Security Token did not match. Possible CSRF attack.')
    expect(await panel.lastEditorOf('tapgate:forged')).toBeNull()
  })

  it('names the login in its user tools, and at the start of the auth cookie', async () => {
    const browser = new BrowserClient(panel.url)
    const answer = await logInToDokuWiki(browser, panel.users.admin)
    expect(loginInAuthCookie(answer)).toBe('admin')
    const html = await (await browser.get('/doku.php?id=start')).text()
    expect(html).toContain('<li class="user">Logged in as: <bdi>Ada Admin</bdi> (<bdi>admin</bdi>)</li>')
    expect(dokuWikiSignedInUserIn(html)).toBe('admin')
  })

  it('logs out only with the sectok link, and the old cookie pair still signs in afterwards', async () => {
    const browser = new BrowserClient(panel.url)
    await logInToDokuWiki(browser, panel.users.admin)
    const pair = {
      DokuWiki: browser.cookies.get('DokuWiki') as string,
      auth: browser.cookies.get(panel.authCookie) as string,
    }

    const noToken = await browser.get('/doku.php?id=start&do=logout')
    expect(noToken.status).toBe(200)
    expect(await dokuWikiSignedInUser(browser)).toBe('admin')

    const out = await logOutOfDokuWiki(browser)
    expect(out.status).toBe(302)
    expect(out.headers.get('location')).toBe(`${panel.url}/doku.php?id=start&do=login`)
    expect(clearsCookie(out, panel.authCookie)).toBe(true)
    expect(await dokuWikiSignedInUser(browser)).toBeNull()

    // Logging out forgets nothing on the server: whoever kept the two cookies is still admin.
    const replay = new BrowserClient(panel.url)
    replay.cookies.set('DokuWiki', pair.DokuWiki)
    replay.cookies.set(panel.authCookie, pair.auth)
    expect(await dokuWikiSignedInUser(replay)).toBe('admin')
  })

  it('logs in on any script and any method that carries u and p, in the query or the body, or Basic credentials', async () => {
    const { password } = panel.users.admin
    const query = `u=admin&p=${password}`
    const loggedIn = async (path: string, init: RequestInit = {}) => loginInAuthCookie(await send(path, init))
    expect(await loggedIn(`/doku.php?id=start&${query}`)).toBe('admin')
    expect(await loggedIn(`/doku.php?do=login&${query}`)).toBe('admin')
    expect(await loggedIn('/doku.php?id=start', form({ do: 'show', u: 'admin', p: password }))).toBe('admin')
    expect(await loggedIn('/doku.php?u=admin', form({ p: password }))).toBe('admin')
    for (const script of [
      '/lib/exe/ajax.php',
      '/feed.php',
      '/index.php',
      '/lib/exe/detail.php',
      '/lib/exe/mediamanager.php',
      '/doku.php/any/path',
    ]) {
      expect(await loggedIn(`${script}?${query}`), script).toBe('admin')
    }
    for (const method of ['HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      expect(await loggedIn(`/doku.php?${query}`, { method }), method).toBe('admin')
    }
    const multipart = new FormData()
    multipart.set('u', 'admin')
    multipart.set('p', password)
    expect(await loggedIn('/doku.php', { method: 'POST', body: multipart })).toBe('admin')
    // Any Authorization header is read as Basic (inc/auth.php takes the base64 after its first six characters).
    const basic = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`
    expect(await loggedIn('/doku.php?id=start', { headers: { authorization: basic } })).toBe('admin')

    // Not: a JSON body, cookies named u and p, the scripts that run without a session.
    expect(
      await loggedIn('/doku.php', {
        method: 'POST',
        body: JSON.stringify({ u: 'admin', p: password }),
        headers: { 'content-type': 'application/json' },
      }),
    ).toBeNull()
    expect(await loggedIn('/doku.php', { headers: { cookie: `u=admin; p=${password}` } })).toBeNull()
    expect(await loggedIn(`/lib/exe/css.php?${query}`)).toBeNull()
  })

  it('reads the field names PHP folds (leading spaces, anything after a NUL) and takes the last of repeated fields', async () => {
    const { password } = panel.users.admin
    const loggedIn = async (body: string) =>
      loginInAuthCookie(
        await send('/doku.php', {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
      )
    expect(await loggedIn(`%20u=admin&p=${password}`)).toBe('admin')
    expect(await loggedIn(`+u=admin&p=${password}`)).toBe('admin')
    expect(await loggedIn(`u%00x=admin&p=${password}`)).toBe('admin')
    expect(await loggedIn(`u=admin&%20%20p=${password}`)).toBe('admin')
    expect(await loggedIn(`u=editor&u=admin&p=${password}`)).toBe('admin')
    expect(await loggedIn(`U=admin&p=${password}`)).toBeNull()
    expect(await loggedIn(`u%5B=admin&p=${password}`)).toBeNull()
  })

  it('folds a username like a page id: case, _ . - at either end, control characters, accents, some punctuation', async () => {
    const { password } = panel.users.admin
    const loggedIn = async (u: string) => loginInAuthCookie(await send('/doku.php', form({ u, p: password })))
    const foldedToAdmin = [
      'Admin',
      'ADMIN',
      ' admin ',
      '_admin',
      'admin_',
      '.admin',
      '-admin',
      'admin.',
      'admin/',
      'admin;',
      'admin%',
      'admin*',
      'admin\x1e',
      'admin\x7f',
      'ad\x00min',
      'admin\u00a0',
      '\u00e0dmin',
    ]
    for (const u of foldedToAdmin) expect(await loggedIn(u), JSON.stringify(u)).toBe('admin')
    // 'User:admin' is 'user_admin'; 'ädmin' is 'aedmin'; format characters and fullwidth letters stay.
    for (const u of [
      'User:admin',
      'ad min',
      '\u00e4dmin',
      'admin\u200b',
      'ad\u00admin',
      '\uff41\uff44\uff4d\uff49\uff4e',
    ]) {
      expect(await loggedIn(u), JSON.stringify(u)).toBeNull()
    }
  })

  it("switches a signed-in browser to whoever's u and p come with any later request", async () => {
    const browser = new BrowserClient(panel.url)
    await logInToDokuWiki(browser, panel.users.admin)
    const page = await browser.get(`/lib/exe/ajax.php?call=lock&u=editor&p=${panel.users.editor.password}`)
    expect(loginInAuthCookie(page)).toBe('editor')
    expect(await dokuWikiSignedInUser(browser)).toBe('editor')
  })
})

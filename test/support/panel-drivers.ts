import { BrowserClient, csrfTokenIn, formActionIn, totpSecretIn } from './browser-client.ts'
import type { FixedClock } from './clock.ts'
import { enrollApp } from './sign-in.ts'
import { totpCode } from './totp-codes.ts'

/**
 * What a browser does on the two real panels (Django's admin, DokuWiki), directly or through tapgate,
 * with a BrowserClient keeping the cookies: open the login page for its CSRF token, log in, do one
 * CSRF-protected action, read who the panel says is signed in, log out. Also the two steps of tapgate's
 * own pages that come between a panel's password and the panel.
 */

export interface PanelAccount {
  username: string
  password: string
}

/** A real panel started for a test: where it listens, its two accounts, how to stop it. */
export interface RealPanel {
  url: string
  users: { admin: PanelAccount; editor: PanelAccount }
  stop(): Promise<void>
}

/** A form body in order, repeated names allowed (a Record cannot say `u=editor&u=admin`). */
export type FormFields = Record<string, string> | ReadonlyArray<readonly [string, string]>

/** POSTs an urlencoded form as a browser would, Origin included. */
export function postFields(
  browser: BrowserClient,
  path: string,
  fields: FormFields,
  headers: Record<string, string> = {},
): Promise<Response> {
  const pairs = Array.isArray(fields) ? fields : Object.entries(fields)
  return browser.request(path, {
    method: 'POST',
    body: new URLSearchParams(pairs as [string, string][]).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: browser.publicOrigin,
      ...headers,
    },
  })
}

/** The value of a hidden input on the page, or null. */
function hiddenValue(html: string, name: string): string | null {
  const input = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html)
  return input ? decodeEntities(input[1] as string) : null
}

/** Every hidden input of the form with this id, in order. */
function hiddenFieldsOf(html: string, formId: string): [string, string][] {
  const form = new RegExp(`<form id="${formId}"[\\s\\S]*?</form>`).exec(html)?.[0]
  if (form === undefined) throw new Error(`no form #${formId} on the page`)
  return [...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [
    m[1] as string,
    decodeEntities(m[2] as string),
  ])
}

function decodeEntities(text: string): string {
  return text
    .replaceAll('&quot;', '"')
    .replaceAll('&#039;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&')
}

// ---- Django admin (3.2 as Debian ships it; 4.1+ differs only in logging out) ----

export const djangoLoginPath = '/admin/login/'

/** The admin's "Welcome, <strong>NAME</strong>." line: the first name when the user has one, else the username. */
const djangoWelcome = /Welcome,\s*<strong>([^<]+)<\/strong>/

export function djangoCsrfTokenIn(html: string): string {
  const token = hiddenValue(html, 'csrfmiddlewaretoken')
  if (!token) throw new Error('no csrfmiddlewaretoken on the page')
  return token
}

/**
 * Opens the login page (which sets the `csrftoken` cookie), then posts `fields` with the page's
 * token first, to `path` (the login path unless an alias is being tried).
 */
export async function postDjangoLogin(
  browser: BrowserClient,
  fields: FormFields,
  options: { path?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const page = await browser.get(`${djangoLoginPath}?next=/admin/`)
  // A signed-in user is sent on to /admin/ instead; the cookie's own value is a valid form token too.
  const token = page.status === 200 ? djangoCsrfTokenIn(await page.text()) : browser.cookies.get('csrftoken')
  if (token === undefined) throw new Error(`no login form: ${page.status} ${page.headers.get('location')}`)
  const pairs = Array.isArray(fields) ? fields : Object.entries(fields)
  return postFields(
    browser,
    options.path ?? djangoLoginPath,
    [['csrfmiddlewaretoken', token], ...pairs],
    options.headers,
  )
}

/** The login form as the admin's own page submits it, coming from /admin/ (so with `next`). */
export function logInToDjangoAdmin(browser: BrowserClient, account: PanelAccount): Promise<Response> {
  return postDjangoLogin(browser, [
    ['username', account.username],
    ['password', account.password],
    ['next', '/admin/'],
  ])
}

/** The name the admin greets, or null when /admin/ does not answer with its index (not signed in). */
export function djangoSignedInUserIn(html: string): string | null {
  return djangoWelcome.exec(html)?.[1] ?? null
}

export async function djangoSignedInUser(browser: BrowserClient): Promise<string | null> {
  const index = await browser.get('/admin/')
  return index.status === 200 ? djangoSignedInUserIn(await index.text()) : null
}

/** Adds a group through the admin's form: a CSRF-protected POST (302 to the group list when it worked). */
export async function addDjangoGroup(browser: BrowserClient, name: string): Promise<Response> {
  const form = await browser.get('/admin/auth/group/add/')
  if (form.status !== 200) return form
  const token = djangoCsrfTokenIn(await form.text())
  return postFields(browser, '/admin/auth/group/add/', { csrfmiddlewaretoken: token, name, _save: 'Save' })
}

/** Django 4.1+ logs out only by POST (the admin shows a form); 3.2 shows a link and takes GET too. */
export async function logOutOfDjangoAdmin(browser: BrowserClient): Promise<Response> {
  const index = await browser.get('/admin/')
  const html = index.status === 200 ? await index.text() : ''
  if (html.includes('id="logout-form"')) {
    return postFields(browser, '/admin/logout/', { csrfmiddlewaretoken: djangoCsrfTokenIn(html) })
  }
  return browser.get('/admin/logout/')
}

// ---- DokuWiki (2022-07-31 "Igor" as Debian ships it, template "dokuwiki") ----

export const dokuWikiLoginPage = '/doku.php?do=login'

/** The user tools: "Logged in as: <bdi>Full Name</bdi> (<bdi>login</bdi>)"; the full name is escaped. */
const dokuWikiUserTools = /Logged in as: <bdi>[^<]*<\/bdi> \(<bdi>([^<]+)<\/bdi>\)/

/** The CSRF token DokuWiki puts in its forms and action links; empty for a visitor not logged in. */
export function dokuWikiSectokIn(html: string): string {
  const token = hiddenValue(html, 'sectok') ?? /[?&;]sectok=([0-9a-f]*)/.exec(html)?.[1]
  if (token === undefined || token === null) throw new Error('no sectok on the page')
  return token
}

/** The login of whoever DokuWiki's user tools show, or null for a visitor. */
export function dokuWikiSignedInUserIn(html: string): string | null {
  return dokuWikiUserTools.exec(html)?.[1] ?? null
}

export async function dokuWikiSignedInUser(browser: BrowserClient): Promise<string | null> {
  const page = await browser.get('/doku.php?id=start')
  return page.status === 200 ? dokuWikiSignedInUserIn(await page.text()) : null
}

/**
 * Opens the login page (DokuWiki starts its PHP session there), then posts `fields` after the form's
 * own hidden fields (sectok, id, do=login), to `path` (/doku.php unless another script is tried).
 */
export async function postDokuWikiLogin(
  browser: BrowserClient,
  fields: FormFields,
  options: { path?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const page = await browser.get(dokuWikiLoginPage)
  const hidden = hiddenFieldsOf(await page.text(), 'dw__login')
  const pairs = Array.isArray(fields) ? fields : Object.entries(fields)
  return postFields(browser, options.path ?? '/doku.php?id=start', [...hidden, ...pairs], options.headers)
}

/** The login form as DokuWiki's own page submits it (without "Remember me"). */
export function logInToDokuWiki(browser: BrowserClient, account: PanelAccount): Promise<Response> {
  return postDokuWikiLogin(browser, [
    ['u', account.username],
    ['p', account.password],
  ])
}

/** Saves a page through the editor: a CSRF-protected POST (302 to the page when it worked). */
export async function saveDokuWikiPage(browser: BrowserClient, pageId: string, text: string) {
  const editor = await browser.get(`/doku.php?id=${encodeURIComponent(pageId)}&do=edit`)
  const html = await editor.text()
  if (!html.includes('id="dw__editform"')) return editor
  return postFields(browser, `/doku.php?id=${encodeURIComponent(pageId)}&do=edit`, [
    ...hiddenFieldsOf(html, 'dw__editform'),
    ['wikitext', text],
    ['summary', 'edited by a test'],
    ['do[save]', '1'],
  ])
}

/** The user tools' "Log Out" link: a GET that needs the sectok (302 to the login page). */
export async function logOutOfDokuWiki(browser: BrowserClient): Promise<Response> {
  const page = await (await browser.get('/doku.php?id=start')).text()
  const link = /href="(\/doku\.php\?[^"]*do=logout[^"]*)"/.exec(page)?.[1]
  if (link === undefined) throw new Error('no Log Out link: nobody is signed in')
  return browser.get(decodeEntities(link))
}

// ---- tapgate's pages between a panel's password and the panel ----

/** A BrowserClient that keeps every Set-Cookie it was sent, to show that a cookie never was. */
export class RecordingBrowser extends BrowserClient {
  readonly setCookies: string[] = []

  override async request(
    path: string,
    init: { method: string; body?: string; headers: Record<string, string> },
  ): Promise<Response> {
    const response = await super.request(path, init)
    this.setCookies.push(...response.headers.getSetCookie())
    return response
  }

  /** The Set-Cookie lines it was sent that give one of `names` a value (clearing ones do not count). */
  cookiesSet(names: readonly string[]): string[] {
    return this.setCookies.filter((line) => {
      const name = line.slice(0, line.indexOf('=')).trim()
      return names.includes(name) && !/max-age=0|^[^=]+=(deleted|"")?;/i.test(line.trim())
    })
  }
}

/**
 * What an attacker does after a login tapgate accepted: enrolls an app of their own when tapgate
 * offers one (a user with no factor yet) and returns its secret; null when tapgate offers none.
 */
export async function enrollIfOffered(browser: BrowserClient, clock: FixedClock): Promise<string | null> {
  const page = await browser.get('/_tapgate/enroll?method=totp')
  const html = page.status === 200 ? await page.text() : ''
  if (!html.includes('class="secret"')) return null
  const secret = totpSecretIn(html)
  const done = await browser.postForm(formActionIn(html), {
    csrf: csrfTokenIn(html),
    code: await totpCode(secret, clock),
  })
  if (done.status !== 303) return null
  const codes = await (await browser.get('/_tapgate/recovery-codes')).text()
  if (codes.includes('name="csrf"')) {
    await browser.postForm('/_tapgate/recovery-codes/saved', { csrf: csrfTokenIn(codes) })
  }
  return secret
}

/**
 * After a panel login tapgate accepted for a user with no factor yet: enrolls an authenticator app,
 * saves the recovery codes, and returns the TOTP secret and where tapgate sends the browser on.
 */
export async function enrollAfterPanelLogin(
  browser: BrowserClient,
  clock: FixedClock,
): Promise<{ secret: string; landing: string | null }> {
  const secret = await enrollApp(browser, clock)
  const codes = await (await browser.get('/_tapgate/recovery-codes')).text()
  const saved = await browser.postForm('/_tapgate/recovery-codes/saved', { csrf: csrfTokenIn(codes) })
  return { secret, landing: saved.headers.get('location') }
}

/** After a panel login tapgate accepted: proves the enrolled app's code (one time step on, never replayed). */
export async function proveTotpAfterPanelLogin(
  browser: BrowserClient,
  secret: string,
  clock: FixedClock,
): Promise<Response> {
  clock.advance(30_000)
  const page = await (await browser.get('/_tapgate/2fa')).text()
  return browser.postForm(formActionIn(page), {
    csrf: csrfTokenIn(page),
    code: await totpCode(secret, clock),
  })
}

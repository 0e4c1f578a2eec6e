import { describe, expect, it } from 'vitest'
import { foldCookieName, PanelCookies } from '../../../gateway/panel-session/panel-cookies.ts'

const now = Date.parse('2026-12-02T12:00:00Z')
const cookies = new PanelCookies(
  [
    { name: 'sessionid', pass_to_browser: false },
    { name: 'laravel_session', pass_to_browser: true },
  ],
  () => now,
)

describe('a browser never sends the panel a session cookie', () => {
  it.each([
    ['sessionid=forged', undefined],
    ['csrftoken=abc; sessionid=forged; theme=dark', 'csrftoken=abc; theme=dark'],
    ['SESSIONID=upper', undefined],
    ['session%69d=escaped', undefined],
    ['sessionid[]=array', undefined],
    [' sessionid=spaced', undefined],
    ['laravel.session=dotted; laravel session=spaced; laravel_session=plain', undefined],
    ['_ga=GA1.2.3; theme=dark', '_ga=GA1.2.3; theme=dark'],
  ])('%s → %s', (header, kept) => {
    expect(cookies.withoutPanelCookies(header)).toBe(kept)
  })

  it('leaves a header that names no session cookie as it is', () => {
    const header = 'csrftoken=abc;theme=dark'
    expect(cookies.withoutPanelCookies(header)).toBe(header)
    expect(cookies.withoutPanelCookies(undefined)).toBeUndefined()
  })
})

describe("reading the panel's Set-Cookie headers", () => {
  it('takes every session cookie out of a raw header list and says what each did in the end', () => {
    const raw = [
      'Content-Type',
      'text/html',
      'Set-Cookie',
      'sessionid=new; Path=/; HttpOnly',
      'set-cookie',
      'csrftoken=t; Path=/',
      'SET-COOKIE',
      'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/',
    ]
    const changes = cookies.takeFrom(raw)
    // Set, then cleared in the same answer: the browser would end up without it.
    expect(changes.map(({ name, value }) => ({ name, value }))).toEqual([{ name: 'sessionid', value: null }])
    expect(raw).toEqual(['Content-Type', 'text/html', 'set-cookie', 'csrftoken=t; Path=/'])
  })

  it.each([
    ['sessionid=v; Max-Age=0', null],
    ['sessionid=v; Max-Age=-1', null],
    ['sessionid=v; Expires=Thu, 01 Jan 1970 00:00:00 GMT', null],
    ['sessionid=v; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60', 'v'],
    ['sessionid=v; Expires=Fri, 01 Jan 2100 00:00:00 GMT', 'v'],
    ['sessionid=', null],
    ['SessionID=v', 'v'],
  ])('%s sets %s', (setCookie, value) => {
    expect(cookies.split([setCookie]).changes.map((change) => change.value)).toEqual([value])
  })

  it('splits a login answer into session cookies and the others', () => {
    const { changes, others } = cookies.split(['sessionid=s; Path=/', 'messages=m; Path=/'])
    expect(changes).toEqual([{ name: 'sessionid', value: 's', setCookie: 'sessionid=s; Path=/' }])
    expect(others).toEqual(['messages=m; Path=/'])
  })

  it('knows which cookies the browser may also have', () => {
    expect(cookies.passesToBrowser('laravel_session')).toBe(true)
    expect(cookies.passesToBrowser('sessionid')).toBe(false)
  })
})

describe('cookie names as the laxest panel reads them', () => {
  it.each([
    ['PHPSESSID', 'phpsessid'],
    ['PHP%53ESSID', 'phpsessid'],
    ['PHPSESSID[x]', 'phpsessid'],
    ['  PHPSESSID', 'phpsessid'],
    ['my.session id', 'my_session_id'],
    ['%zz', '%zz'],
  ])('%s folds to %s', (name, folded) => {
    expect(foldCookieName(name)).toBe(folded)
  })
})

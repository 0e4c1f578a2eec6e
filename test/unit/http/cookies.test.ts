import { describe, expect, it } from 'vitest'
import {
  clearSessionCookie,
  type SessionCookie,
  sessionCookie,
  setDeviceCookie,
  setSessionCookie,
  takeCookie,
} from '../../../gateway/http/cookies.ts'
import { cookiesSetBy, parseSetCookie } from '../../../gateway/http/set-cookie.ts'

const onHttps = sessionCookie('tapgate_session', 'https://panel.example.com')
const onHttp = sessionCookie('tapgate_session', 'http://panel.example.com:8080')
const token = 'A'.repeat(43)

/** A Set-Cookie value's attributes, one per entry, as written ('HttpOnly', 'Max-Age=0' …). */
const attributes = (setCookie: string) => setCookie.split('; ').slice(1)

describe("tapgate's cookie name", () => {
  it.each([
    ['https: __Host-, Secure', 'https://panel.example.com', '__Host-tapgate_session', true],
    ['https with a port and path', 'https://panel.example.com:8443/x/', '__Host-tapgate_session', true],
    ['http: as configured, not Secure', 'http://panel.example.com', 'tapgate_session', false],
  ])('%s (%s)', (_case, publicUrl, name, secure) => {
    expect(sessionCookie('tapgate_session', publicUrl)).toEqual({ name, secure })
  })
})

describe('the cookies tapgate sets', () => {
  const device = (cookie: SessionCookie) => setDeviceCookie(cookie, token, 30 * 86_400_000)
  it.each([
    ['session, https', setSessionCookie(onHttps, token), ['Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax']],
    ['session, http', setSessionCookie(onHttp, token), ['Path=/', 'HttpOnly', 'SameSite=Lax']],
    ['device, https', device(onHttps), ['Max-Age=2592000', 'Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax']],
    ['device, http', device(onHttp), ['Max-Age=2592000', 'Path=/', 'HttpOnly', 'SameSite=Lax']],
    [
      'clearing, https',
      clearSessionCookie(onHttps),
      ['Max-Age=0', 'Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax'],
    ],
    ['clearing, http', clearSessionCookie(onHttp), ['Max-Age=0', 'Path=/', 'HttpOnly', 'SameSite=Lax']],
  ])('%s: %j', (_case, setCookie, expected) => {
    expect(attributes(setCookie)).toEqual(expected)
  })

  it.each([
    ['setting the session', setSessionCookie(onHttps, token), `__Host-tapgate_session=${token}`],
    ['clearing it, with an empty value', clearSessionCookie(onHttps), '__Host-tapgate_session='],
  ])('%s: starts %j', (_case, setCookie, pair) => {
    expect(setCookie.split('; ')[0]).toBe(pair)
  })

  it.each([
    ['whole seconds', 7 * 86_400_000, 'Max-Age=604800'],
    ['a part second, rounded down', 1_999, 'Max-Age=1'],
  ])('the device cookie lives its lifetime in %s: %s', (_case, lifetimeMs, maxAge) => {
    expect(attributes(setDeviceCookie(onHttps, token, lifetimeMs))).toContain(maxAge)
  })
})

describe("taking tapgate's cookie out of the panel's Cookie header", () => {
  it.each([
    ['no header', undefined, undefined, undefined],
    ['only other cookies', 'a=1; b=2', undefined, 'a=1; b=2'],
    ["only tapgate's", 'tapgate_session=t', 't', undefined],
    ['between others', 'a=1; tapgate_session=t; b=2', 't', 'a=1; b=2'],
    ['twice: the first is read, both are taken', 'tapgate_session=t1; a=1; tapgate_session=t2', 't1', 'a=1'],
    ['with an empty value', 'a=1; tapgate_session=', '', 'a=1'],
    ['without spaces, and empty pairs', 'a=1;;tapgate_session=t; ;b=2', 't', 'a=1; b=2'],
    [
      'names that contain it',
      'x_tapgate_session=1; tapgate_session_old=2',
      undefined,
      'x_tapgate_session=1; tapgate_session_old=2',
    ],
    ['the name in another case', 'TAPGATE_SESSION=t', undefined, 'TAPGATE_SESSION=t'],
    ['a value containing "="', 'tapgate_session=a=b; c=d', 'a=b', 'c=d'],
  ])('%s: %j', (_case, header, value, rest) => {
    expect(takeCookie(header, 'tapgate_session')).toEqual({ value, rest })
  })
})

describe('parseSetCookie (RFC 6265 §5.2)', () => {
  it.each([
    ['name and value', 'a=1', { name: 'a', value: '1', attributes: '' }],
    ['with attributes', 'a=1; Path=/; HttpOnly', { name: 'a', value: '1', attributes: ' Path=/; HttpOnly' }],
    ['spaces trimmed', '  a  =  1  ;x', { name: 'a', value: '1', attributes: 'x' }],
    ['"=" in the value', 'a=b=c', { name: 'a', value: 'b=c', attributes: '' }],
    ['an empty value', 'a=; Max-Age=0', { name: 'a', value: '', attributes: ' Max-Age=0' }],
    ['an empty name', '=v', { name: '', value: 'v', attributes: '' }],
    ['quotes kept', 'a=""', { name: 'a', value: '""', attributes: '' }],
  ])('%s: %j', (_case, setCookie, parts) => {
    expect(parseSetCookie(setCookie)).toEqual(parts)
  })

  it.each([
    ['no "="', 'a'],
    ['"=" only in the attributes', 'a; Path=/'],
    ['nothing before the first ";"', '; a=1'],
    ['the empty string', ''],
  ])('ignores a value with %s: %j', (_case, setCookie) => {
    expect(parseSetCookie(setCookie)).toBeNull()
  })
})

describe('cookiesSetBy', () => {
  it.each([
    ['one cookie', ['a=1; Path=/'], { a: '1' }],
    ['the last value of a name', ['a=1', 'a=2'], { a: '2' }],
    ['not an empty value', ['a=; Max-Age=0', 'b=2'], { b: '2' }],
    ['not an empty name', ['=v'], {}],
    ['not a value without "="', ['a'], {}],
  ])('%s: %j', (_case, setCookies, values) => {
    expect(cookiesSetBy(setCookies)).toEqual(values)
  })
})

import { describe, expect, it } from 'vitest'
import { compileLoginOutcome, type PanelAnswer } from '../../../gateway/first-factor/login-outcome.ts'

/** The panel's answer to a login, as tapgate reads it: a 302 without cookies or Location unless given. */
function answer(fields: Partial<PanelAnswer>): PanelAnswer {
  return { status: 302, setCookies: [], location: undefined, ...fields }
}

describe('first_factor.success.status', () => {
  const succeeded = compileLoginOutcome({ status: [302, 303] })
  it.each([
    [302, true],
    [303, true],
    [200, false],
    [301, false],
    [401, false],
    [500, false],
  ])('a %i answer is a success: %s', (status, expected) => {
    expect(succeeded(answer({ status }))).toBe(expected)
  })
})

describe('first_factor.success.location', () => {
  const anchored = compileLoginOutcome({ status: [302], location: '^/dashboard' })
  const anywhere = compileLoginOutcome({ status: [302], location: '/dashboard' })
  it.each([
    ['the expected page', anchored, '/dashboard', true],
    ['a page below it', anchored, '/dashboard/home', true],
    ['back to the login page', anchored, '/login', false],
    ['the login page naming it in ?next=', anchored, '/login?next=/dashboard', false],
    ['no Location at all', anchored, undefined, false],
    ['an empty Location', anchored, '', false],
    ['?next= with an unanchored pattern, which matches anywhere', anywhere, '/login?next=/dashboard', true],
  ])('%s (%j) is a success: %s', (_case, succeeded, location, expected) => {
    expect(succeeded(answer({ location }))).toBe(expected)
  })

  it('still needs a success status', () => {
    expect(anchored(answer({ status: 200, location: '/dashboard' }))).toBe(false)
  })
})

describe('first_factor.success.set_cookie: the cookie must be set, not cleared', () => {
  const succeeded = compileLoginOutcome({ status: [302], set_cookie: 'sessionid' })
  it.each([
    ['set', ['sessionid=abc; Path=/; HttpOnly'], true],
    ['set with a lifetime', ['sessionid=abc; Max-Age=3600'], true],
    ['set among other cookies', ['csrftoken=t', 'sessionid=abc'], true],
    ['set, with spaces around the name', [' sessionid =abc'], true],
    ['set after being cleared', ['sessionid=; Max-Age=0', 'sessionid=abc'], true],
    ['no cookies at all', [], false],
    ['only other cookies', ['csrftoken=t; Path=/'], false],
    ['another cookie whose name contains it', ['xsessionid=abc', 'sessionid_old=abc'], false],
    ['the name in another case (cookie names are case-sensitive)', ['SessionID=abc'], false],
    ['an empty value', ['sessionid=; Path=/'], false],
    ['no "=" at all', ['sessionid'], false],
    ['Max-Age=0', ['sessionid=abc; Max-Age=0'], false],
    ['a negative Max-Age', ['sessionid=abc; Max-Age=-1'], false],
    ['max-age in lower case, with spaces', ['sessionid=abc; Path=/; max-age = 0 '], false],
    ['Max-Age=00', ['sessionid=abc; Max-Age=00'], false],
    ['an Expires in the past', ['sessionid=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT'], false],
    // A PHP panel that starts a session, then clears it on a failed login: the last one wins.
    ['set, then cleared', ['sessionid=abc; path=/', 'sessionid=deleted; Max-Age=0'], false],
  ])('%s: %s', (_case, setCookies, expected) => {
    expect(succeeded(answer({ setCookies }))).toBe(expected)
  })
})

describe('every configured condition must hold', () => {
  const succeeded = compileLoginOutcome({ status: [302], set_cookie: 'sessionid', location: '^/home' })
  it.each([
    ['all three', answer({ setCookies: ['sessionid=abc'], location: '/home' }), true],
    ['the wrong status', answer({ status: 200, setCookies: ['sessionid=abc'], location: '/home' }), false],
    ['the wrong Location', answer({ setCookies: ['sessionid=abc'], location: '/login' }), false],
    ['no cookie', answer({ location: '/home' }), false],
  ])('%s: %s', (_case, panelAnswer, expected) => {
    expect(succeeded(panelAnswer)).toBe(expected)
  })
})

describe('first_factor.failure: only a wrong-password answer counts toward a lockout (issue 17)', () => {
  const failed = compileLoginOutcome({ status: [200, 301, 302, 303, 307, 308, 401] })
  it.each([
    [200, true],
    [302, true],
    [401, true],
    [400, false],
    [403, false],
    [429, false],
    [500, false],
    [503, false],
  ])('a %i answer is a wrong password: %s', (status, expected) => {
    expect(failed(answer({ status }))).toBe(expected)
  })

  it('can name where a wrong password is sent back to', () => {
    const backToLogin = compileLoginOutcome({ status: [302], location: '^/login\\?failed' })
    expect(backToLogin(answer({ location: '/login?failed=1' }))).toBe(true)
    expect(backToLogin(answer({ location: '/maintenance' }))).toBe(false)
  })
})

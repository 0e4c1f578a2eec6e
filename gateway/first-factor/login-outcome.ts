import { clearsCookie, parseSetCookie } from '../http/set-cookie.ts'

export interface LoginAnswerRule {
  status: readonly number[]
  set_cookie?: string | undefined
  location?: string | undefined
}

export interface PanelAnswer {
  status: number
  setCookies: readonly string[]
  location: string | undefined
}

/**
 * Compiled once: whether the panel's answer to a login is what a rule describes (`first_factor.success`:
 * it accepted the password; `first_factor.failure`: it refused it). Every configured condition must hold.
 */
export function compileLoginOutcome(
  rule: LoginAnswerRule,
  now: () => number = () => Date.now(),
): (answer: PanelAnswer) => boolean {
  const statuses = new Set(rule.status)
  const location = rule.location === undefined ? null : new RegExp(rule.location)
  const cookieName = rule.set_cookie
  return (answer) => {
    if (!statuses.has(answer.status)) return false
    if (location && !(answer.location !== undefined && location.test(answer.location))) return false
    if (cookieName && !leavesCookieSet(answer.setCookies, cookieName, now())) return false
    return true
  }
}

/**
 * True when the answer leaves the named cookie set: the last Set-Cookie for it wins, as in a browser
 * (a PHP panel that starts a session and then clears it on a failed login has not signed anyone in),
 * and a value cleared by Max-Age or a past Expires does not count (the rule panel-cookies.ts uses).
 */
function leavesCookieSet(setCookies: readonly string[], name: string, now: number): boolean {
  let set = false
  for (const setCookie of setCookies) {
    const parts = parseSetCookie(setCookie)
    if (parts !== null && parts.name === name) set = !clearsCookie(parts, now)
  }
  return set
}

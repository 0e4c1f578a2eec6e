import { parseSetCookie } from '../http/set-cookie.ts'

export interface LoginSuccessRule {
  status: readonly number[]
  set_cookie?: string | undefined
  location?: string | undefined
}

export interface PanelAnswer {
  status: number
  setCookies: readonly string[]
  location: string | undefined
}

/** Compiled once: judges whether the panel accepted the password. Every configured condition must hold. */
export function compileLoginOutcome(rule: LoginSuccessRule): (answer: PanelAnswer) => boolean {
  const statuses = new Set(rule.status)
  const location = rule.location === undefined ? null : new RegExp(rule.location)
  const cookieName = rule.set_cookie
  return (answer) => {
    if (!statuses.has(answer.status)) return false
    if (location && !(answer.location !== undefined && location.test(answer.location))) return false
    if (cookieName && !answer.setCookies.some((cookie) => setsCookie(cookie, cookieName))) return false
    return true
  }
}

/** True when a Set-Cookie value sets (not clears) the named cookie. */
function setsCookie(setCookie: string, name: string): boolean {
  const parts = parseSetCookie(setCookie)
  if (parts === null || parts.name !== name || parts.value === '') return false
  return !parts.attributes.split(';').some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a))
}

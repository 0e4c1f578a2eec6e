import type { Context, MiddlewareHandler } from 'hono'
import type { Config } from '../config/schema.ts'
import type { GatewayEnv } from '../context.ts'
import { takeCookie } from '../http/cookies.ts'
import { type CsrfGuardParts, refuseForm } from './require-csrf.ts'

/**
 * tapgate's own sign-in page (first_factor.mode: local) has no session to bind its CSRF token to, so
 * it binds it to a random form id kept in a short-lived cookie on the sign-in path: a forged form
 * must not sign a victim into another account (login CSRF). The passkey calls the page makes share
 * that binding, and their challenges are kept under the same id.
 */
export function loginFormCookieName(config: Pick<Config, 'session'>): string {
  return `${config.session.cookie_name}_login`
}

/** The browser's form id: 16 random bytes in base64url; null when absent or of any other shape. */
export function loginFormIdOf(c: Context<GatewayEnv>, config: Pick<Config, 'session'>): string | null {
  const value = takeCookie(c.req.header('cookie'), loginFormCookieName(config)).value
  return value !== undefined && /^[A-Za-z0-9_-]{22}$/.test(value) ? value : null
}

/** What the CSRF token of the sign-in page is an HMAC of. */
export function loginCsrfScope(formId: string): string {
  return `login:${formId}`
}

/**
 * The sign-in page's script calls (JSON, not forms): same origin, the form id cookie, and the page's
 * token in `X-CSRF-Token`. Anything else is refused before the handler runs, and changes nothing.
 */
export function requireLoginFormCsrf(s: CsrfGuardParts): MiddlewareHandler<GatewayEnv> {
  return async function loginFormCsrfGuard(c, next) {
    const sameOrigin = s.csrf.isSameOrigin(c.req.header('sec-fetch-site'), c.req.header('origin'))
    const formId = loginFormIdOf(c, s.config)
    const token = c.req.header('x-csrf-token')
    if (!sameOrigin || formId === null || !s.csrf.verify(loginCsrfScope(formId), token)) {
      return refuseForm(c, s, sameOrigin)
    }
    await next()
  }
}

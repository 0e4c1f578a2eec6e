import type { MiddlewareHandler } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem } from '../errors.tsx'
import { signInPage } from '../first-factor/sign-in-page.ts'
import { clearSessionCookie, takeCookie } from '../http/cookies.ts'
import type { Services } from '../services.ts'
import type { SessionLevel } from '../session/sessions.ts'
import { isWellFormedToken, tokenId } from '../session/token.ts'

/** What this file uses of the services. */
type SessionGuardParts = Pick<Services, 'config' | 'cookie' | 'csrf' | 'look' | 'sessions' | 'urls'>

/**
 * Lets a request through only with a live session at `level`; otherwise sends the browser where it
 * belongs: no session → the panel's login page; a session that timed out (its cookie outlived it) →
 * a page that says so, with the way to sign in again; already verified → where it was going.
 */
export function requireSession(
  s: SessionGuardParts,
  level: SessionLevel | 'any',
): MiddlewareHandler<GatewayEnv> {
  const loginPage = signInPage(s.config)
  return async function sessionGuard(c, next) {
    const token = takeCookie(c.req.header('cookie'), s.cookie.name).value
    const session = isWellFormedToken(token) ? await s.sessions.load(token) : null
    if (!session) {
      // A code typed after the sign-in timed out must not land on a login page with no word of why;
      // the security-key script, calling with JSON, needs an answer it can show, not a login page.
      const timedOut = isWellFormedToken(token)
      if (timedOut || c.req.header('content-type')?.startsWith('application/json')) {
        c.header('Set-Cookie', clearSessionCookie(s.cookie))
        return respondWithProblem(c, 'session_expired', s, {
          action: { href: loginPage, label: 'Sign in again' },
        })
      }
      return c.redirect(loginPage, 302)
    }
    if (level !== 'any' && session.level !== level) return c.redirect(session.returnTo ?? '/', 302)
    c.set('session', session)
    c.set('sessionToken', token as string)
    c.set('csrfToken', s.csrf.tokenFor(tokenId(token as string)))
    await next()
  }
}

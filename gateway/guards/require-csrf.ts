import type { Context, MiddlewareHandler } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem } from '../errors.tsx'
import { signInPage } from '../first-factor/sign-in-page.ts'
import type { Services } from '../services.ts'
import { tokenId } from '../session/token.ts'

/** What this file uses of the services. */
export type CsrfGuardParts = Pick<Services, 'config' | 'csrf' | 'log' | 'look' | 'urls'>

/** Every state-changing tapgate request: same origin, and a token bound to the caller's session. */
export function requireCsrf(s: CsrfGuardParts): MiddlewareHandler<GatewayEnv> {
  return async function csrfGuard(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    const sameOrigin = s.csrf.isSameOrigin(c.req.header('sec-fetch-site'), c.req.header('origin'))
    const form = sameOrigin ? await c.req.parseBody() : {}
    const submitted = form.csrf ?? c.req.header('x-csrf-token')
    if (!sameOrigin || !s.csrf.verify(tokenId(c.var.sessionToken), submitted)) {
      return refuseForm(c, s, sameOrigin)
    }
    await next()
  }
}

/**
 * A refused form: cross-site, or without its token, logged and answered as "expired"; opened at
 * another address than public_url's, told so, with the way to the right one.
 */
export function refuseForm(c: Context<GatewayEnv>, s: CsrfGuardParts, sameOrigin: boolean): Response {
  s.log.warn({ event: 'csrf_rejected', path: c.req.path, sameOrigin }, 'cross-site request refused')
  if (!s.csrf.openedElsewhere(c.req.header('sec-fetch-site'), c.req.header('origin'))) {
    return respondWithProblem(c, 'cross_site', s)
  }
  const publicUrl = new URL(s.config.public_url).origin
  return respondWithProblem(c, 'wrong_address', s, {
    message: `This page is served at ${publicUrl}, not at the address it was opened at. Open it there and try again.`,
    action: { href: `${publicUrl}${signInPage(s.config)}`, label: `Go to ${publicUrl}` },
  })
}

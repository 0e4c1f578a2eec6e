import type { MiddlewareHandler } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem } from '../errors.tsx'
import type { Services } from '../services.ts'
import { tokenId } from '../session/token.ts'

/** What this file uses of the services. */
type CsrfGuardParts = Pick<Services, 'config' | 'csrf' | 'log'>

/** Every state-changing tapgate request: same origin, and a token bound to the caller's session. */
export function requireCsrf(s: CsrfGuardParts): MiddlewareHandler<GatewayEnv> {
  return async function csrfGuard(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    const sameOrigin = s.csrf.isSameOrigin(c.req.header('sec-fetch-site'), c.req.header('origin'))
    const form = sameOrigin ? await c.req.parseBody() : {}
    const submitted = form.csrf ?? c.req.header('x-csrf-token')
    if (!sameOrigin || !s.csrf.verify(tokenId(c.var.sessionToken), submitted)) {
      s.log.warn({ event: 'csrf_rejected', path: c.req.path, sameOrigin }, 'cross-site request refused')
      return respondWithProblem(c, 'cross_site', s.config.prefix)
    }
    await next()
  }
}

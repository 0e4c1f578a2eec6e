import type { MiddlewareHandler } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { requestOrigin } from '../history/login-history.ts'
import { clientFacts } from '../proxy/panel-request.ts'
import type { Services } from '../services.ts'

/** What this file uses of the services. */
type RequestContextParts = Pick<Services, 'look' | 'trustedProxies'>

/**
 * Reads, once per request to tapgate's pages, who is asking (`c.var.clientIp`, `c.var.origin`), and
 * hands the pages their look (`c.var.look`).
 */
export function requestContext(s: RequestContextParts): MiddlewareHandler<GatewayEnv> {
  return async function setRequestContext(c, next) {
    const clientIp = clientFacts(c.env.incoming, s).clientIp
    c.set('clientIp', clientIp)
    c.set('origin', requestOrigin(c.env.incoming, clientIp))
    c.set('look', s.look)
    await next()
  }
}

import type { HttpBindings } from '@hono/node-server'
import type { RequestOrigin } from './history/login-history.ts'
import type { PageLook } from './http/page-look.ts'
import type { Session } from './session/sessions.ts'

/** What hono's `c.env` and `c.var` hold for every tapgate handler. */
export interface GatewayEnv {
  Bindings: HttpBindings
  Variables: {
    /** Set for every page (guards/request-context.ts): the client's address, and where it came from. */
    clientIp: string
    origin: RequestOrigin
    /** Set for every page (guards/request-context.ts): how the operator dressed the pages. */
    look: PageLook
    /** Set by requireSession(): the caller's session, its token, and the CSRF token its forms carry. */
    session: Session
    sessionToken: string
    csrfToken: string
  }
}

import type { HttpBindings } from '@hono/node-server'
import type { Session } from './session/sessions.ts'

/** What hono's `c.env` and `c.var` hold for every tapgate handler. */
export interface GatewayEnv {
  Bindings: HttpBindings
  Variables: {
    /** Set by requireSession(): the caller's session and its token. */
    session: Session
    sessionToken: string
  }
}

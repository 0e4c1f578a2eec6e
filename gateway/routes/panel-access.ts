import type { IncomingMessage } from 'node:http'
import { panelLoginPaths } from '../first-factor/sign-in-page.ts'
import { type NormalizedTarget, normalizePath } from '../http/normalize-path.ts'
import type { PolicyDecision } from '../policy/compile-rules.ts'
import { decidePolicy } from '../policy/decide-policy.ts'
import { headerValue } from '../proxy/panel-request.ts'
import type { Services } from '../services.ts'
import type { Session } from '../session/sessions.ts'
import { isWellFormedToken } from '../session/token.ts'

/** A target tapgate proxies: the normalised path the rules were matched on, and the untouched query. */
export type PanelTarget = Extract<NormalizedTarget, { ok: true }>

/**
 * The policy's answer for one request: the rule's decision, and for two_factor the caller's session
 * from the store, as the promise of that session (null: none).
 */
export type PanelAccess =
  | { policy: 'bypass'; decision: PolicyDecision }
  | { policy: 'deny'; decision: PolicyDecision }
  | { policy: 'two_factor'; decision: PolicyDecision; session: Promise<Session | null> }

const noSession: Promise<null> = Promise.resolve(null)

const alwaysReachable: PolicyDecision = Object.freeze({
  policy: 'bypass',
  rulePosition: null,
  passesPanelCookies: false,
})

/**
 * The checks every request to the panel passes before it is proxied (DESIGN "Request flow", step 5),
 * shared by plain requests (panel-traffic.ts) and Upgrade requests (panel-upgrade.ts), so that a
 * WebSocket is held to exactly what a GET of its path is. Allocates and awaits nothing beyond what
 * the checks themselves need: panel traffic is the hot path.
 */
export function panelAccess(s: Services) {
  const { prefix } = s.config
  const loginPaths = panelLoginPaths(s.config)

  return {
    /** The target normalised once, or why it is refused: an ambiguous path, or one inside the prefix. */
    target(url: string): PanelTarget | 'bad_path' | 'not_found' {
      const normalised = normalizePath(url)
      if (!normalised.ok) {
        s.log.info({ event: 'path_rejected', reason: normalised.reason }, 'ambiguous path refused')
        return 'bad_path'
      }
      // The prefix belongs to tapgate; a path that only normalises into it (/_tapgate/../_tapgate/2fa,
      // //_tapgate/2fa) is neither a tapgate page nor proxied.
      const { path } = normalised
      if (path === prefix || path.startsWith(`${prefix}/`)) return 'not_found'
      return normalised
    },

    /**
     * The panel's login page and form, reachable whatever the rules say. No one needs credentials in
     * an Authorization header there, and a panel that reads them (DokuWiki reads any as Basic) would
     * sign its sender in past the second factor: panel-traffic.ts removes them.
     */
    isLoginPage(path: string): boolean {
      return loginPaths.has(path)
    },

    /** Which policy applies to `path` and, for two_factor, the session to judge it by (`isVerified`). */
    decide(
      incoming: IncomingMessage,
      path: string,
      method: string,
      clientIp: string,
      token: string | undefined,
    ): PanelAccess {
      // The panel's login page and form are always reachable: they are how a session starts.
      const decision = loginPaths.has(path)
        ? alwaysReachable
        : decidePolicy(s.policy, { path, method, clientIp, header: (name) => headerValue(incoming, name) })
      if (decision.policy === 'bypass') return { policy: 'bypass', decision }
      if (decision.policy === 'deny') return { policy: 'deny', decision }
      return {
        policy: 'two_factor',
        decision,
        session: isWellFormedToken(token) ? s.sessions.load(token) : noSession,
      }
    },
  }
}

/** Whether a session lets its holder through a two_factor path: only one that passed the second factor. */
export function isVerified(session: Session | null): session is Session & { level: 'two_factor' } {
  return session?.level === 'two_factor'
}

import type { IncomingMessage } from 'node:http'
import { panelLoginPaths } from '../first-factor/sign-in-page.ts'
import type { PolicyDecision } from '../policy/compile-rules.ts'
import { decideRequest, type PanelTarget, type RequestRules } from '../policy/decide-request.ts'
import { headerValue } from '../proxy/panel-request.ts'
import type { Services } from '../services.ts'
import type { Session } from '../session/sessions.ts'
import { isWellFormedToken } from '../session/token.ts'

/** A request on its way to the panel: refused (the problem to answer), or what the rules decided. */
export type PanelAccess =
  | { refused: 'bad_path' | 'not_found' }
  | { refused: null; target: PanelTarget; decision: PolicyDecision; loginPage: boolean }

const noSession: Promise<null> = Promise.resolve(null)

/**
 * The checks every request to the panel passes before it is proxied (policy/decide-request.ts),
 * shared by plain requests (panel-traffic.ts), Upgrade requests (panel-upgrade.ts) and forward-auth's
 * question (forward-auth.ts), so that a WebSocket or a proxy's question is held to exactly what a GET
 * of its path is. Allocates and awaits nothing beyond what the checks need: panel traffic is the hot path.
 */
export function panelAccess(s: Services) {
  const rules: RequestRules = {
    prefix: s.config.prefix,
    policy: s.policy,
    loginPaths: panelLoginPaths(s.config),
  }

  return function decide(
    incoming: IncomingMessage,
    target: string,
    method: string,
    clientIp: string,
  ): PanelAccess {
    const header = (name: string) => headerValue(incoming, name)
    const decided = decideRequest(rules, target, { method, clientIp, header })
    switch (decided.to) {
      case 'panel':
        return {
          refused: null,
          target: decided.target,
          decision: decided.decision,
          loginPage: decided.loginPage,
        }
      case 'refused':
        if (decided.problem === 'bad_path') {
          s.log.info({ event: 'path_rejected', reason: decided.reason }, 'ambiguous path refused')
        }
        return { refused: decided.problem }
      case 'tapgate':
        // tapgate's own pages are served by tapgate, never from the panel's side.
        return { refused: 'not_found' }
    }
  }
}

/** The session a tapgate cookie names, read from the store; no read for a missing or malformed token. */
export function sessionOf(s: Services, token: string | undefined): Promise<Session | null> {
  return isWellFormedToken(token) ? s.sessions.load(token) : noSession
}

/** Whether a session lets its holder through a two_factor path: only one that passed the second factor. */
export function isVerified(session: Session | null): session is Session & { level: 'two_factor' } {
  return session?.level === 'two_factor'
}

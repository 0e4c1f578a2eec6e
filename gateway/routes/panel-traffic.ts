import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { Context } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem, wantsHtml } from '../errors.tsx'
import { handlePanelLogin } from '../first-factor/panel-login.ts'
import { clearSessionCookie, takeCookie } from '../http/cookies.ts'
import { normalizePath } from '../http/normalize-path.ts'
import { decidePolicy } from '../policy/decide-policy.ts'
import { headResponse, relayResponse } from '../proxy/forward-request.ts'
import { clientFacts, headerValue, panelRequestHeaders } from '../proxy/panel-request.ts'
import { respondToUpstreamFailure } from '../proxy/upstream-failure.ts'
import type { Services } from '../services.ts'
import type { Session } from '../session/sessions.ts'
import { isWellFormedToken } from '../session/token.ts'

/**
 * Every request that is not a tapgate page (DESIGN "Request flow", step 5): normalise the path once,
 * pick the policy for exactly that path, check the session when the policy asks for one, and stream
 * the request to the panel with that same normalised path.
 */
export function panelTraffic(s: Services) {
  const { prefix, first_factor: ff } = s.config
  const loginPage = ff.login_page ?? ff.login_path
  const logoutPaths = new Set(ff.logout_paths)

  return async function toPanel(c: Context<GatewayEnv>) {
    const incoming = c.env.incoming
    const normalised = normalizePath(incoming.url ?? '')
    if (!normalised.ok) {
      s.log.info({ event: 'path_rejected', reason: normalised.reason }, 'ambiguous path refused')
      return respondWithProblem(c, 'bad_path', prefix)
    }
    const { path, query } = normalised
    // The prefix belongs to tapgate; a path that only normalises into it (/_tapgate//2fa) is not proxied.
    if (path === prefix || path.startsWith(`${prefix}/`)) return respondWithProblem(c, 'not_found', prefix)

    const method = incoming.method ?? 'GET'
    const facts = clientFacts(incoming, s)
    const isLoginPath = path === ff.login_path || path === loginPage
    if (method === 'POST' && path === ff.login_path) return handlePanelLogin(c, s, path + query, facts)

    const policy = isLoginPath
      ? 'bypass'
      : decidePolicy(s.policy, {
          path,
          method,
          clientIp: facts.clientIp,
          header: (name) => headerValue(incoming, name),
        }).policy
    if (policy === 'deny') return respondWithProblem(c, 'forbidden', prefix)

    const { value: token, rest: cookie } = takeCookie(incoming.headers.cookie, s.cookie.name)
    const signOut: string[] = []
    if (policy === 'two_factor') {
      const session = isWellFormedToken(token) ? await s.sessions.load(token) : null
      if (session?.level !== 'two_factor') return refuseWithoutSession(c, session)
    }
    // The panel's own logout ends the gateway session too (DESIGN step 6).
    if (logoutPaths.has(path) && isWellFormedToken(token)) {
      await s.sessions.destroy(token)
      signOut.push(clearSessionCookie(s.cookie))
    }

    const hasBody =
      incoming.headers['content-length'] !== undefined || incoming.headers['transfer-encoding'] !== undefined
    try {
      const answer = await s.upstream.send({
        method,
        target: path + query,
        headers: panelRequestHeaders(s, incoming, facts, cookie),
        body: hasBody ? incoming : null,
      })
      if (method === 'HEAD') return headResponse(answer, signOut)
      relayResponse(answer, c.env.outgoing, signOut)
      return RESPONSE_ALREADY_SENT
    } catch (error) {
      return respondToUpstreamFailure(c, s, error, path)
    }
  }

  /** Browsers go to the login page, or on to the second factor if the password was accepted; APIs get 401. */
  function refuseWithoutSession(c: Context<GatewayEnv>, session: Session | null) {
    if (!wantsHtml(c.req.header('accept'))) return respondWithProblem(c, 'unauthorized', prefix)
    return c.redirect(session?.level === 'first_factor' ? `${prefix}/2fa` : loginPage, 302)
  }
}

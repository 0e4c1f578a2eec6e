import type { IncomingMessage, ServerResponse } from 'node:http'
import { problemForFailure, sendProblem, wantsHtml } from '../errors.tsx'
import { handlePanelLogin } from '../first-factor/panel-login.ts'
import { signInPage } from '../first-factor/sign-in-page.ts'
import { clearSessionCookie } from '../http/cookies.ts'
import { relayResponse } from '../proxy/forward-request.ts'
import { clientFacts, gatewayCookies, panelRequestHeaders } from '../proxy/panel-request.ts'
import { sendUpstreamFailure } from '../proxy/upstream-failure.ts'
import type { Services } from '../services.ts'
import type { Session } from '../session/sessions.ts'
import { isWellFormedToken } from '../session/token.ts'
import { isVerified, panelAccess } from './panel-access.ts'

/**
 * Every request that is not a tapgate page (DESIGN "Request flow", step 5): normalise the path once,
 * pick the policy for exactly that path, check the session when the policy asks for one, and stream
 * the request to the panel with that same normalised path.
 *
 * This is the hot path, so it runs on node:http directly: hono's request and context objects cost
 * about a quarter of the proxy's CPU per request (measured with `npm run bench`).
 */
/** What the rules made of a request: `refused` when its path was (ambiguous, or tapgate's own). */
type Decided = 'bypass' | 'two_factor' | 'deny' | 'refused'

export function panelTraffic(s: Services) {
  const { prefix, first_factor: ff } = s.config
  const watchesPanelLogin = ff.mode === 'upstream'
  const logoutPaths = new Set(ff.logout_paths)
  const access = panelAccess(s)

  const { requests } = s.metrics

  return async function toPanel(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    let decided: Decided = 'refused'
    try {
      decided = await route(incoming, outgoing)
    } catch (error) {
      const code = problemForFailure(error, s.log)
      if (outgoing.headersSent) outgoing.destroy()
      else sendProblem(incoming, outgoing, code, prefix)
    }
    // Every path out of route() has written the status by now (the body may still be streaming).
    requests.inc({ policy: decided, status: outgoing.statusCode })
  }

  /** Serves the request; says what was decided, for the metrics. */
  async function route(incoming: IncomingMessage, outgoing: ServerResponse): Promise<Decided> {
    const target = access.target(incoming.url ?? '')
    if (typeof target === 'string') {
      sendProblem(incoming, outgoing, target, prefix)
      return 'refused'
    }
    const { path, query } = target

    const method = incoming.method ?? 'GET'
    const facts = clientFacts(incoming, s)
    if (watchesPanelLogin && method === 'POST' && path === ff.login_path) {
      await handlePanelLogin(incoming, outgoing, s, path + query, facts)
      return 'bypass'
    }

    const { session: token, panel: cookie } = gatewayCookies(s, incoming.headers.cookie)
    const decision = access.decide(incoming, path, method, facts.clientIp, token)
    if (decision === 'deny') {
      sendProblem(incoming, outgoing, 'forbidden', prefix)
      return 'deny'
    }
    let verifiedUser: string | null = null
    if (decision !== 'bypass') {
      const session = await decision
      if (!isVerified(session)) {
        refuseWithoutSession(incoming, outgoing, session, path + query)
        return 'two_factor'
      }
      verifiedUser = session.user
    }
    const signOut: string[] = []
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
        headers: panelRequestHeaders(s, incoming, facts, cookie, verifiedUser),
        body: hasBody ? incoming : null,
      })
      relayResponse(answer, outgoing, signOut)
    } catch (error) {
      sendUpstreamFailure(incoming, outgoing, s, error, path)
    }
    return decision === 'bypass' ? 'bypass' : 'two_factor'
  }

  /** Browsers go to the login page, or on to the second factor if the password was accepted; APIs get 401. */
  function refuseWithoutSession(
    incoming: IncomingMessage,
    outgoing: ServerResponse,
    session: Session | null,
    target: string,
  ) {
    if (!wantsHtml(incoming.headers.accept)) return sendProblem(incoming, outgoing, 'unauthorized', prefix)
    const location = session?.level === 'first_factor' ? `${prefix}/2fa` : signInPage(s.config, target)
    outgoing.writeHead(302, { Location: location, 'Cache-Control': 'no-store', 'Content-Length': 0 }).end()
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http'
import { problemForFailure, sendProblem, wantsHtml } from '../errors.tsx'
import { handlePanelLogin } from '../first-factor/panel-login.ts'
import { clearSessionCookie } from '../http/cookies.ts'
import { normalizePath } from '../http/normalize-path.ts'
import { decidePolicy } from '../policy/decide-policy.ts'
import { relayResponse } from '../proxy/forward-request.ts'
import { clientFacts, gatewayCookies, headerValue, panelRequestHeaders } from '../proxy/panel-request.ts'
import { sendUpstreamFailure } from '../proxy/upstream-failure.ts'
import type { Services } from '../services.ts'
import type { Session } from '../session/sessions.ts'
import { isWellFormedToken } from '../session/token.ts'

/**
 * Every request that is not a tapgate page (DESIGN "Request flow", step 5): normalise the path once,
 * pick the policy for exactly that path, check the session when the policy asks for one, and stream
 * the request to the panel with that same normalised path.
 *
 * This is the hot path, so it runs on node:http directly: hono's request and context objects cost
 * about a quarter of the proxy's CPU per request (measured with `npm run bench`).
 */
export function panelTraffic(s: Services) {
  const { prefix, first_factor: ff } = s.config
  const loginPage = ff.login_page ?? ff.login_path
  const logoutPaths = new Set(ff.logout_paths)

  return async function toPanel(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    try {
      await route(incoming, outgoing)
    } catch (error) {
      const code = problemForFailure(error, s.log)
      if (outgoing.headersSent) outgoing.destroy()
      else sendProblem(incoming, outgoing, code, prefix)
    }
  }

  async function route(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const normalised = normalizePath(incoming.url ?? '')
    if (!normalised.ok) {
      s.log.info({ event: 'path_rejected', reason: normalised.reason }, 'ambiguous path refused')
      return sendProblem(incoming, outgoing, 'bad_path', prefix)
    }
    const { path, query } = normalised
    // The prefix belongs to tapgate; a path that only normalises into it (/_tapgate/../_tapgate/2fa,
    // //_tapgate/2fa) is neither a tapgate page nor proxied.
    if (path === prefix || path.startsWith(`${prefix}/`))
      return sendProblem(incoming, outgoing, 'not_found', prefix)

    const method = incoming.method ?? 'GET'
    const facts = clientFacts(incoming, s)
    const isLoginPath = path === ff.login_path || path === loginPage
    if (method === 'POST' && path === ff.login_path) {
      return handlePanelLogin(incoming, outgoing, s, path + query, facts)
    }

    const policy = isLoginPath
      ? 'bypass'
      : decidePolicy(s.policy, {
          path,
          method,
          clientIp: facts.clientIp,
          header: (name) => headerValue(incoming, name),
        }).policy
    if (policy === 'deny') return sendProblem(incoming, outgoing, 'forbidden', prefix)

    const { session: token, panel: cookie } = gatewayCookies(s, incoming.headers.cookie)
    const signOut: string[] = []
    if (policy === 'two_factor') {
      const session = isWellFormedToken(token) ? await s.sessions.load(token) : null
      if (session?.level !== 'two_factor') return refuseWithoutSession(incoming, outgoing, session)
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
      relayResponse(answer, outgoing, signOut)
    } catch (error) {
      sendUpstreamFailure(incoming, outgoing, s, error, path)
    }
  }

  /** Browsers go to the login page, or on to the second factor if the password was accepted; APIs get 401. */
  function refuseWithoutSession(
    incoming: IncomingMessage,
    outgoing: ServerResponse,
    session: Session | null,
  ) {
    if (!wantsHtml(incoming.headers.accept)) return sendProblem(incoming, outgoing, 'unauthorized', prefix)
    const location = session?.level === 'first_factor' ? `${prefix}/2fa` : loginPage
    outgoing.writeHead(302, { Location: location, 'Cache-Control': 'no-store', 'Content-Length': 0 }).end()
  }
}

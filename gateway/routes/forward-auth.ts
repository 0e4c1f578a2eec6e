import { Hono } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem, wantsHtml } from '../errors.tsx'
import { signInPage } from '../first-factor/sign-in-page.ts'
import { clientFacts, gatewayCookies, identityOf } from '../proxy/panel-request.ts'
import type { Services } from '../services.ts'
import { readForwardAuthQuestion } from './forward-auth-question.ts'
import { isVerified, panelAccess, sessionOf } from './panel-access.ts'

/**
 * `<prefix>/verify`: tapgate as the authentication service of another proxy, which asks before
 * serving each request (nginx `auth_request`, Traefik `forwardAuth`, Caddy `forward_auth`). The
 * request is judged exactly as tapgate judges panel traffic it proxies itself: the original path,
 * normalised, under the same rules, with the same session.
 *
 * - 200: allowed, with every identity header, which the proxy passes on (empty but present on a
 *   bypassed path), and X-Tapgate-Cookie: the browser's Cookie header without tapgate's own cookies.
 * - 403: a deny rule, or a question from an address that is not one of `trusted_proxies`.
 * - 401 with `Location`, the sign-in page to send the browser to. nginx turns it into a redirect
 *   itself (the example's `@tapgate_sign_in`); for Traefik and Caddy, which hand the answer to the
 *   browser as it is, a browser gets the 302 directly. Scripts always get the 401.
 * - 400: a question that cannot be read unambiguously (forward-auth-question.ts), or an ambiguous path.
 * - 404: a path under tapgate's prefix, which is never the panel's.
 * nginx's auth_request answers 500 for any status but 2xx, 401 and 403; the nginx example maps 400 and
 * 404 back (`@tapgate_refused`).
 *
 * `forward_auth.proxy` says which proxy asks, and so which headers name the original request; without
 * it the route does not exist. The question, like X-Forwarded-For, is believed only from
 * `trusted_proxies`.
 */
export function forwardAuthRoutes(s: Services) {
  const { urls } = s
  const { proxy } = s.config.forward_auth
  const decide = panelAccess(s)
  const routes = new Hono<GatewayEnv>()
  if (proxy === undefined) return routes

  routes.all('/', async (c) => {
    const { incoming } = c.env
    const facts = clientFacts(incoming, s)
    if (!facts.peerTrusted) {
      s.log.warn({ event: 'forward_auth_refused', reason: 'not from trusted_proxies' }, 'verify refused')
      return respondWithProblem(c, 'forbidden', s)
    }
    const question = readForwardAuthQuestion(incoming, proxy)
    if (!question.ok) {
      s.log.warn({ event: 'forward_auth_refused', reason: question.reason }, 'verify refused')
      return respondWithProblem(c, 'bad_request', s)
    }
    const access = decide(incoming, question.uri, question.method, facts.clientIp)
    if (access.refused !== null) return respondWithProblem(c, access.refused, s)
    const { target, decision } = access

    const { session: token, panel: panelCookie } = gatewayCookies(s, c.req.header('cookie'))
    if (decision.policy === 'deny') return respondWithProblem(c, 'forbidden', s)
    // The browser's cookies without tapgate's, for the proxy to send the panel instead of its own
    // Cookie header: the panel never sees tapgate's session or device token. Sent even when empty, so
    // that a proxy copying it replaces the Cookie header rather than keeping the browser's.
    const allowed = { 'X-Tapgate-Cookie': s.panelCookies.withoutPanelCookies(panelCookie) ?? '' }
    if (decision.policy === 'bypass') {
      return c.body(null, 200, { ...allowed, ...s.identityHeaders.answer(null) })
    }

    const session = await sessionOf(s, token)
    if (isVerified(session)) {
      const identity = s.identityHeaders.answer(identityOf(s, session.user))
      return c.body(null, 200, { ...allowed, ...identity })
    }
    const next =
      session?.level === 'first_factor'
        ? urls.secondFactor.page
        : signInPage(s.config, target.path + target.query)
    const location = new URL(next, s.publicOrigin).href
    if (proxy !== 'nginx' && wantsHtml(c.req.header('accept'))) return c.redirect(location, 302)
    const refusal = respondWithProblem(c, 'unauthorized', s)
    refusal.headers.set('Location', location)
    return refusal
  })

  return routes
}

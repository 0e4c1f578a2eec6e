import { Hono } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem, wantsHtml } from '../errors.tsx'
import { signInPage } from '../first-factor/sign-in-page.ts'
import { clientFacts, gatewayCookies, headerValue, identityOf } from '../proxy/panel-request.ts'
import type { Services } from '../services.ts'
import { isVerified, panelAccess } from './panel-access.ts'

/**
 * `<prefix>/verify`: tapgate as the authentication service of another proxy, which asks before
 * serving each request (nginx `auth_request`, Traefik `forwardAuth`, Caddy `forward_auth`). The
 * request is judged exactly as tapgate judges panel traffic it proxies itself: the original path,
 * normalised, under the same rules, with the same session.
 *
 * - 200: allowed, with the identity headers, which the proxy passes on (empty but present on a
 *   bypassed path), and X-Tapgate-Cookie: the browser's Cookie header without tapgate's own cookies.
 * - 403: a deny rule.
 * - 401 with `Location`, the sign-in page to send the browser to. nginx turns it into a redirect
 *   itself (`error_page 401 =302 $location`); for Traefik and Caddy, which hand the answer to the
 *   browser as it is, a browser gets the 302 directly. Scripts always get the 401.
 *
 * nginx names the original request in X-Original-URI / X-Original-Method (set in its config), Traefik
 * and Caddy in X-Forwarded-Uri / X-Forwarded-Method. The client's address comes from X-Forwarded-For,
 * believed only from `trusted_proxies`, so list the proxy there.
 */
export function forwardAuthRoutes(s: Services) {
  const { prefix } = s.config
  const access = panelAccess(s)
  const routes = new Hono<GatewayEnv>()

  routes.all('/', async (c) => {
    const { incoming } = c.env
    const nginx = headerValue(incoming, 'x-original-uri') !== undefined
    const uri = headerValue(incoming, nginx ? 'x-original-uri' : 'x-forwarded-uri') ?? '/'
    const method = (
      headerValue(incoming, nginx ? 'x-original-method' : 'x-forwarded-method') ?? 'GET'
    ).toUpperCase()
    const target = access.target(uri)
    // tapgate's own pages guard themselves.
    if (target === 'not_found') return c.body(null, 200)
    if (target === 'bad_path') return respondWithProblem(c, 'bad_path', prefix)

    const facts = clientFacts(incoming, s)
    const { session: token, panel: panelCookie } = gatewayCookies(s, c.req.header('cookie'))
    const decision = access.decide(incoming, target.path, method, facts.clientIp, token)
    if (decision.policy === 'deny') return respondWithProblem(c, 'forbidden', prefix)
    // The browser's cookies without tapgate's, for the proxy to send the panel instead of its own
    // Cookie header: the panel never sees tapgate's session or device token. Sent even when empty, so
    // that a proxy copying it replaces the Cookie header rather than keeping the browser's.
    const allowed = { 'X-Tapgate-Cookie': s.panelCookies.withoutPanelCookies(panelCookie) ?? '' }
    if (decision.policy === 'bypass') {
      return c.body(null, 200, { ...allowed, ...s.identityHeaders.answer(null) })
    }

    const session = await decision.session
    if (isVerified(session)) {
      const identity = s.identityHeaders.answer(identityOf(s, session.user))
      return c.body(null, 200, { ...allowed, ...identity })
    }
    const next =
      session?.level === 'first_factor' ? `${prefix}/2fa` : signInPage(s.config, target.path + target.query)
    const location = new URL(next, s.publicOrigin).href
    if (!nginx && wantsHtml(c.req.header('accept'))) return c.redirect(location, 302)
    const refusal = respondWithProblem(c, 'unauthorized', prefix)
    refusal.headers.set('Location', location)
    return refusal
  })

  return routes
}

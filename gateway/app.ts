import type { RequestListener } from 'node:http'
import type { Socket } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { GatewayEnv } from './context.ts'
import { problemForFailure, respondWithProblem, sendProblem } from './errors.tsx'
import { requestContext } from './guards/request-context.ts'
import { framingFault } from './http/request-framing.ts'
import { assignRequestId, requestIdOf } from './http/request-id.ts'
import { isUnderPrefix } from './policy/decide-request.ts'
import { accountRoutes } from './routes/account.tsx'
import { adminRoutes } from './routes/admin.tsx'
import { assetRoutes } from './routes/assets.ts'
import { enrollmentRoutes } from './routes/enrollment.tsx'
import { forwardAuthRoutes } from './routes/forward-auth.ts'
import { healthRoutes } from './routes/health.ts'
import { localLoginRoutes } from './routes/local-login.tsx'
import { panelTraffic } from './routes/panel-traffic.ts'
import { passkeySignInRoutes } from './routes/passkey-sign-in.ts'
import { recoveryCodeRoutes } from './routes/recovery-codes.tsx'
import { secondFactorRoutes } from './routes/second-factor.tsx'
import { securityKeyRoutes } from './routes/security-keys.ts'
import { signOutRoutes } from './routes/sign-out.tsx'
import type { Services } from './services.ts'

/**
 * The only wiring: tapgate's own pages under the prefix (hono), everything else to the panel
 * (routes/panel-traffic.ts, on node:http directly: the hot path). The split looks at the raw target
 * only; panel traffic normalises it and refuses whatever merely normalises into the prefix.
 */
export function createRequestListener(
  s: Services,
  /** Connections that carried a request refused for its framing; kept by the server across reloads. */
  misframed: WeakSet<Socket>,
): RequestListener {
  const { prefix } = s.config
  // tapgate consumes request bodies itself (streamed to the panel): hono must not drain them.
  const pages = getRequestListener(tapgatePages(s).fetch, { autoCleanupIncoming: false })
  const toPanel = panelTraffic(s)
  return (incoming, outgoing) => {
    // Where that request's body ended, and so where the next request starts, is in doubt: Node has
    // already parsed what followed it (a smuggled request), but none of it is served.
    if (misframed.has(incoming.socket)) return void incoming.socket.end()
    assignRequestId(incoming, s.trustedProxies)
    const fault = framingFault(incoming)
    if (fault !== null) {
      misframed.add(incoming.socket)
      s.log.warn(
        { event: 'request_refused', reason: fault, requestId: requestIdOf(incoming) },
        'a request whose framing could be read two ways was refused',
      )
      outgoing.shouldKeepAlive = false
      return sendProblem(incoming, outgoing, 'bad_request', s)
    }
    if (!s.limits.admit(incoming, outgoing)) return
    const elsewhere = s.publicAddress.redirectFor(incoming)
    if (elsewhere !== null) {
      const { location, setCookie } = elsewhere
      const headers = { Location: location, 'Set-Cookie': setCookie, 'Cache-Control': 'no-store' }
      return void outgoing.writeHead(302, { ...headers, 'Content-Length': 0 }).end()
    }
    if (!isUnderPrefix(incoming.url ?? '', prefix)) return toPanel(incoming, outgoing)
    s.accessLog?.begin(incoming, (incoming.url ?? '').split('?')[0] ?? null).end(outgoing, 'tapgate')
    return pages(incoming, outgoing)
  }
}

/** tapgate's own routes under the prefix; exported so a test can list every mounted route. */
export function tapgatePages(s: Services) {
  const { prefix } = s.config
  const { urls } = s
  const app = new Hono<GatewayEnv>()

  // tapgate's forms are tiny; a large body to a tapgate route is refused before it is read.
  app.use(
    `${prefix}/*`,
    bodyLimit({ maxSize: 16 * 1024, onError: (c) => respondWithProblem(c, 'body_too_large', s) }),
  )
  app.use(`${prefix}/*`, requestContext(s))
  app.route(`${prefix}/assets`, assetRoutes(s.config.ui))
  app.route(prefix, healthRoutes(s))
  app.route(urls.enroll.page, enrollmentRoutes(s))
  if (s.localUsers) app.route(urls.login, localLoginRoutes(s, s.localUsers))
  // Only when switched on: otherwise the addresses are 404, like any other tapgate does not serve.
  if (s.localUsers && s.webauthn?.settings.passwordless) {
    app.route(urls.passkeySignIn, passkeySignInRoutes(s, s.localUsers, s.webauthn))
  }
  app.route(urls.secondFactor.page, secondFactorRoutes(s))
  app.route(urls.verify, forwardAuthRoutes(s))
  app.route(urls.logout, signOutRoutes(s))
  if (s.webauthn) app.route(`${prefix}/webauthn`, securityKeyRoutes(s, s.webauthn))
  app.route(urls.account.page, accountRoutes(s))
  app.route(urls.recoveryCodes.page, recoveryCodeRoutes(s))
  app.route(urls.admin.page, adminRoutes(s))
  app.all('*', (c) => respondWithProblem(c, 'not_found', s))
  app.onError((error, c) =>
    // A body cut for its pace (limits/request-limits.ts) fails its reader, but has had its answer.
    s.limits.wasCut(c.env.incoming)
      ? RESPONSE_ALREADY_SENT
      : respondWithProblem(c, problemForFailure(error, s.log), s),
  )
  return app
}

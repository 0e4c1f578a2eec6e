import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { GatewayEnv } from './context.ts'
import { respondWithProblem } from './errors.tsx'
import { accountRoutes } from './routes/account.tsx'
import { assetRoutes } from './routes/assets.ts'
import { enrollmentRoutes } from './routes/enrollment.tsx'
import { panelTraffic } from './routes/panel-traffic.ts'
import { secondFactorRoutes } from './routes/second-factor.tsx'
import { securityKeyRoutes } from './routes/security-keys.ts'
import { signOutRoutes } from './routes/sign-out.tsx'
import type { Services } from './services.ts'
import { StoreUnavailableError } from './store/store.ts'

/** The only wiring: tapgate's own pages under the prefix, everything else to the panel. */
export function createApp(s: Services) {
  const { prefix } = s.config
  const app = new Hono<GatewayEnv>()

  // tapgate's forms are tiny; a large body to a tapgate route is refused before it is read.
  app.use(
    `${prefix}/*`,
    bodyLimit({ maxSize: 16 * 1024, onError: (c) => respondWithProblem(c, 'body_too_large', prefix) }),
  )
  app.route(`${prefix}/assets`, assetRoutes())
  app.route(`${prefix}/enroll`, enrollmentRoutes(s))
  app.route(`${prefix}/2fa`, secondFactorRoutes(s))
  app.route(`${prefix}/logout`, signOutRoutes(s))
  if (s.webauthn) app.route(`${prefix}/webauthn`, securityKeyRoutes(s, s.webauthn))
  app.route(`${prefix}/account`, accountRoutes(s))
  app.all(`${prefix}/*`, (c) => respondWithProblem(c, 'not_found', prefix))
  app.all('*', panelTraffic(s))

  // Fail closed: a store outage is a 503, never a pass; other errors are logged and answered generically.
  app.onError((error, c) => {
    if (error instanceof StoreUnavailableError) {
      s.log.error({ event: 'store_unavailable', err: error.message }, 'store unavailable')
      return respondWithProblem(c, 'store_unavailable', prefix)
    }
    s.log.error({ event: 'internal_error', err: error }, 'request failed')
    return respondWithProblem(c, 'internal', prefix)
  })
  return app
}

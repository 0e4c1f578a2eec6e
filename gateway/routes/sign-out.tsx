import { Hono } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { signInPage } from '../first-factor/sign-in-page.ts'
import { requireCsrf } from '../guards/require-csrf.ts'
import { requireSession } from '../guards/require-session.ts'
import { clearSessionCookie } from '../http/cookies.ts'
import { htmlPage } from '../http/html-page.tsx'
import type { Services } from '../services.ts'
import { SignOutPage } from '../views/sign-out-page.tsx'

/** `<prefix>/logout`: GET asks, POST (CSRF-protected) ends the gateway session on every instance. */
export function signOutRoutes(s: Services) {
  const { urls } = s
  const loginPage = signInPage(s.config)
  const routes = new Hono<GatewayEnv>()

  // Any live session may sign out, pending or verified.
  routes.use('*', requireSession(s, 'any'), requireCsrf(s))

  routes.get('/', (c) => {
    const page = <SignOutPage urls={urls} csrfToken={c.var.csrfToken} />
    return htmlPage(c, page)
  })

  routes.post('/', async (c) => {
    await s.sessions.destroy(c.var.sessionToken)
    s.log.info({ event: 'sign_out', user: c.var.session.user }, 'signed out')
    c.header('Set-Cookie', clearSessionCookie(s.cookie))
    return c.redirect(loginPage, 303)
  })

  return routes
}

import { Hono } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { requireCsrf } from '../guards/require-csrf.ts'
import { requireSession } from '../guards/require-session.ts'
import { htmlPage } from '../http/html-page.tsx'
import type { Services } from '../services.ts'
import { freshRecoveryCodes } from '../sign-in/fresh-recovery-codes.ts'
import { FreshRecoveryCodesPage } from '../views/recovery-codes-page.tsx'

/**
 * `<prefix>/recovery-codes`: shows a verified user the codes just generated for them (after their
 * first enrollment, or when they asked for a new set on the account page), once.
 */
export function recoveryCodeRoutes(s: Services) {
  const { urls } = s
  const routes = new Hono<GatewayEnv>()
  routes.use('*', requireSession(s, 'two_factor'), requireCsrf(s))

  routes.get('/', (c) => {
    const codes = freshRecoveryCodes(s.box, c.var.session)
    if (codes === null) return c.redirect(urls.account.page, 302)
    const page = <FreshRecoveryCodesPage urls={urls} csrfToken={c.var.csrfToken} codes={codes} />
    return htmlPage(c, page)
  })

  routes.get('/download', (c) => {
    const codes = freshRecoveryCodes(s.box, c.var.session)
    if (codes === null) return c.redirect(urls.account.page, 302)
    const lines = [
      `Recovery codes for ${c.var.session.user} at ${s.publicOrigin}`,
      'Each code signs you in once, when you cannot use your phone or security key.',
      '',
      ...codes.map((code, i) => `${String(i + 1).padStart(2, ' ')}. ${code}`),
      '',
    ]
    return c.body(lines.join('\n'), 200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Disposition': 'attachment; filename="recovery-codes.txt"',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    })
  })

  routes.post('/saved', async (c) => {
    const { session, sessionToken } = c.var
    const { freshRecoveryCodes: _shownOnce, returnTo, ...rest } = session
    await s.sessions.save(sessionToken, rest)
    return c.redirect(returnTo ?? '/', 303)
  })

  return routes
}

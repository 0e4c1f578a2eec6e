import { type Context, Hono } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { recordFactorChange, showNewRecoveryCodes } from '../factor-setup/factor-changes.ts'
import { appSetupFor, offeredTotpSecret } from '../factor-setup/offered-totp-secret.ts'
import { enrolledFactors } from '../factors/enrolled-factors.ts'
import { requireRecentVerification } from '../guards/step-up.ts'
import { readForm, textField } from '../http/form.ts'
import { htmlPage } from '../http/html-page.tsx'
import { appCodeMessages } from '../messages/code-messages.ts'
import type { Services } from '../services.ts'
import { attemptProof } from '../sign-in/attempt.ts'
import { AuthenticatorAppPage } from '../views/authenticator-app-page.tsx'

/**
 * `<prefix>/account/app`: turn on an authenticator app from the account page, or move to a new phone.
 * The new secret counts only once a code from it is confirmed; until then the old app keeps working.
 * Mounted inside the account routes (a verified session, CSRF checked) and needs a recent second factor.
 */
export function authenticatorAppRoutes(s: Services) {
  const { urls } = s
  const routes = new Hono<GatewayEnv>()
  routes.use(
    '*',
    requireRecentVerification(s, () => urls.account.app),
  )

  async function render(c: Context<GatewayEnv>, status: 200 | 400 | 401, error?: string) {
    const { user } = c.var.session
    const page = (
      <AuthenticatorAppPage
        urls={urls}
        {...(await appSetupFor(c, s))}
        replacing={(await s.totp.secretOf(user)) !== null}
        error={error}
      />
    )
    return htmlPage(c, page, status)
  }

  routes.get('/', (c) => render(c, 200))

  routes.post('/', async (c) => {
    const { session, sessionToken } = c.var
    const secret = await offeredTotpSecret(c, s)
    const { code } = await readForm(c, { code: textField })
    const attempt = await attemptProof(c, s, { event: 'factor_changed', proof: 'totp' }, () =>
      s.totp.check(session.user, secret, code),
    )
    if (attempt.lockedOut) return attempt.lockedOut
    const { verdict } = attempt
    if (!verdict.ok)
      return render(c, verdict.reason === 'malformed' ? 400 : 401, appCodeMessages[verdict.reason])

    const before = await enrolledFactors(s, session.user)
    await s.totp.replace(session.user, secret)
    // The next visit offers a fresh secret, never the one now in use.
    const { offeredTotpSecret: _used, ...rest } = session
    await s.sessions.save(sessionToken, rest)
    c.set('session', rest)
    await recordFactorChange(c, s, 'totp', before.has.totp ? 'replaced' : 'added')
    const done = urls.account.notice(before.has.totp ? 'app_replaced' : 'app_added')
    // A first way in (enrollment skipped before) comes with recovery codes, as at enrollment.
    return c.redirect(before.none ? await showNewRecoveryCodes(c, s, done) : done, 303)
  })

  return routes
}

import { Hono } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem } from '../errors.tsx'
import type { TotpVerdict } from '../factors/totp.ts'
import { requireCsrf } from '../http/require-csrf.ts'
import { pageSecurityHeaders } from '../http/security-headers.ts'
import { clientFacts } from '../proxy/panel-request.ts'
import type { Services } from '../services.ts'
import { requireSession } from '../session/require-session.ts'
import { tokenId } from '../session/token.ts'
import { TotpChallengePage } from '../views/totp-challenge-page.tsx'
import { completeSignIn } from './complete-sign-in.ts'

export const verdictMessages: Record<Exclude<TotpVerdict, 'accepted'>, string> = {
  wrong_code: 'That code is not correct. Check the time on your phone and try the current code.',
  replayed: 'That code has already been used. Wait for the next code and enter it.',
  malformed: 'Enter the code from your authenticator app: digits only.',
}

/** `<prefix>/2fa`: the challenge for a user whose panel password was accepted. */
export function secondFactorRoutes(s: Services) {
  const { prefix } = s.config
  const { digits } = s.config.factors.totp
  const routes = new Hono<GatewayEnv>()
  routes.use('*', requireSession(s, 'first_factor'), requireCsrf(s))

  routes.get('/', async (c) => {
    if ((await s.totp.secretOf(c.var.session.user)) === null) return c.redirect(`${prefix}/enroll`, 302)
    const csrfToken = s.csrf.tokenFor(tokenId(c.var.sessionToken))
    const page = (
      <TotpChallengePage
        prefix={prefix}
        username={c.var.session.user}
        csrfToken={csrfToken}
        digits={digits}
      />
    )
    return c.html(`<!doctype html>${page}`, 200, pageSecurityHeaders)
  })

  routes.post('/', async (c) => {
    const { user } = c.var.session
    const ip = clientFacts(c.env.incoming, s).clientIp
    if ((await s.regulator.bannedFor(user, ip)) > 0) return respondWithProblem(c, 'locked', prefix)
    const secret = await s.totp.secretOf(user)
    if (secret === null) return c.redirect(`${prefix}/enroll`, 303)
    const { code } = await c.req.parseBody()
    const verdict = await s.totp.check(user, secret, typeof code === 'string' ? code : '')
    if (verdict === 'accepted') return c.redirect(await completeSignIn(c, s, 'totp', ip), 303)
    s.log.info({ event: 'second_factor', user, ip, factor: 'totp', result: verdict }, 'second factor refused')
    await s.regulator.recordFailure(user, ip, 'totp')
    const csrfToken = s.csrf.tokenFor(tokenId(c.var.sessionToken))
    const page = (
      <TotpChallengePage
        prefix={prefix}
        username={user}
        csrfToken={csrfToken}
        digits={digits}
        error={verdictMessages[verdict]}
      />
    )
    return c.html(`<!doctype html>${page}`, verdict === 'malformed' ? 400 : 401, pageSecurityHeaders)
  })

  return routes
}

import type { Context } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { setSessionCookie } from '../http/cookies.ts'
import type { Services } from '../services.ts'
import { openHeldCookies, pinCookiePath } from '../session/held-cookies.ts'

/**
 * The second factor is verified: rotate the session to `two_factor` and release the panel's held
 * cookies (both as Set-Cookie on `c`). Returns where the panel wanted the user to go; form routes
 * redirect there, JSON routes (the security-key ceremony) tell the page.
 */
export async function completeSignIn(
  c: Context<GatewayEnv>,
  s: Services,
  factor: string,
  clientIp: string,
): Promise<string> {
  const { session, sessionToken } = c.var
  const loginPath = s.config.first_factor.login_path
  const panelCookies = openHeldCookies(s.box, session.user, session.heldCookies).map((v) =>
    pinCookiePath(v, loginPath),
  )
  const token = await s.sessions.rotate(sessionToken, { user: session.user, level: 'two_factor' })
  await s.regulator.recordSuccess(session.user)
  s.log.info(
    { event: 'second_factor', user: session.user, ip: clientIp, factor, result: 'success' },
    'signed in',
  )
  for (const cookie of panelCookies) c.header('Set-Cookie', cookie, { append: true })
  c.header('Set-Cookie', setSessionCookie(s.cookie, token), { append: true })
  return session.returnTo ?? '/'
}

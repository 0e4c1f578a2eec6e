import type { Context } from 'hono'
import type { GatewayEnv } from '../context.ts'
import type { PasskeySignIn, Proof } from '../factors/factor-kinds.ts'
import { setDeviceCookie, setSessionCookie } from '../http/cookies.ts'
import type { Services } from '../services.ts'
import { openHeldCookies, pinCookiePath } from '../session/held-cookies.ts'
import { sealRecoveryCodes } from './fresh-recovery-codes.ts'

/** What this file uses of the services. */
type SignInParts = Pick<
  Services,
  | 'box'
  | 'clock'
  | 'config'
  | 'cookie'
  | 'deviceCookie'
  | 'history'
  | 'recoveryCodes'
  | 'regulator'
  | 'sessions'
  | 'trustedDevices'
  | 'urls'
>

/**
 * A second factor passed on the 2fa page: a pending session completes its sign-in, a verified one
 * (back to confirm itself before a change) is marked verified again. Returns where to go next.
 */
export function passSecondStep(
  c: Context<GatewayEnv>,
  s: SignInParts,
  proof: Proof,
  trustDevice: boolean,
): Promise<string> {
  if (c.var.session.level === 'two_factor') return markVerified(c, s)
  return completeSignIn(c, s, proof, { trustDevice })
}

/** The second factor was verified again: note when, and say where the user was going. */
async function markVerified(c: Context<GatewayEnv>, s: SignInParts): Promise<string> {
  const { returnTo, ...session } = c.var.session
  await s.sessions.save(c.var.sessionToken, { ...session, verifiedAt: s.clock.now() })
  return returnTo ?? s.urls.account.page
}

/**
 * The second factor is verified: rotate the session to `two_factor`, its jar of panel session cookies
 * with it, and release the login answer's other cookies (both as Set-Cookie on `c`). Returns where the panel wanted the user to go; form routes
 * redirect there, JSON routes (the security-key ceremony) tell the page. After a user's first factor
 * is enrolled, that is the page showing their new recovery codes first.
 */
export async function completeSignIn(
  c: Context<GatewayEnv>,
  s: SignInParts,
  factor: Proof | PasskeySignIn | 'enrollment_skipped',
  { firstEnrollment = false, trustDevice = false }: { firstEnrollment?: boolean; trustDevice?: boolean } = {},
): Promise<string> {
  const { session, sessionToken } = c.var
  const loginPath = s.config.first_factor.login_path
  const heldCookies = openHeldCookies(s.box, session.user, session.heldCookies).map((v) =>
    pinCookiePath(v, loginPath),
  )
  const destination = session.returnTo ?? '/'
  const codes = firstEnrollment ? await s.recoveryCodes.generate(session.user) : null
  const token = await s.sessions.rotate(sessionToken, {
    user: session.user,
    level: 'two_factor',
    verifiedAt: s.clock.now(),
    // The panel's session moves into the verified session: from now on it is used for this user.
    ...(session.panelJar !== undefined && { panelJar: session.panelJar }),
    ...(codes === null
      ? {}
      : { freshRecoveryCodes: sealRecoveryCodes(s.box, session.user, codes), returnTo: destination }),
  })
  await s.regulator.recordSuccess(session.user, c.var.clientIp)
  const origin = c.var.origin
  await s.history.record(session.user, origin, { event: 'second_factor', factor, result: 'success' })
  if (trustDevice && s.config.trusted_devices.enabled) {
    const lifetime = s.config.trusted_devices.lifetime
    const mark = await s.trustedDevices.trust(session.user, origin)
    c.header('Set-Cookie', setDeviceCookie(s.deviceCookie, mark, lifetime), { append: true })
  }
  for (const cookie of heldCookies) c.header('Set-Cookie', cookie, { append: true })
  c.header('Set-Cookie', setSessionCookie(s.cookie, token), { append: true })
  return codes === null ? destination : s.urls.recoveryCodes.page
}

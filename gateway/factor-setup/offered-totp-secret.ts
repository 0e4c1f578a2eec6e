import type { Context } from 'hono'
import type { GatewayEnv } from '../context.ts'
import type { Services } from '../services.ts'

/** What this file uses of the services. */
type OfferedSecretParts = Pick<Services, 'box' | 'config' | 'sessions' | 'totp'>

/**
 * The authenticator-app secret offered to this session, made on first view and sealed in the session,
 * so a reload shows the same QR code and only a code from that secret turns the app on.
 */
export async function offeredTotpSecret(c: Context<GatewayEnv>, s: OfferedSecretParts): Promise<string> {
  const { session, sessionToken } = c.var
  const existing = session.offeredTotpSecret ? s.box.open(session.offeredTotpSecret, session.user) : null
  if (existing !== null) return existing
  const secret = s.totp.newSecret()
  const updated = { ...session, offeredTotpSecret: s.box.seal(secret, session.user) }
  await s.sessions.save(sessionToken, updated)
  c.set('session', updated)
  return secret
}

/** What the set-up steps show this session (views/authenticator-app-steps.tsx), less where they post. */
export async function appSetupFor(c: Context<GatewayEnv>, s: OfferedSecretParts) {
  const { user } = c.var.session
  const secret = await offeredTotpSecret(c, s)
  const { issuer, digits, period } = s.config.factors.totp
  const keyUri = s.totp.keyUri(user, secret)
  return {
    username: user,
    csrfToken: c.var.csrfToken,
    qrSvg: await s.totp.qrCodeSvg(keyUri),
    keyUri,
    secret,
    issuer,
    digits,
    period,
  }
}

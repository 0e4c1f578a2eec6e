import type { Context } from 'hono'
import type { GatewayEnv } from '../context.ts'
import type { Proof } from '../factors/factor-kinds.ts'
import type { Services } from '../services.ts'
import { sealRecoveryCodes } from '../sign-in/fresh-recovery-codes.ts'

/** What this file uses of the services. */
type FactorChangeParts = Pick<
  Services,
  'box' | 'history' | 'recoveryCodes' | 'sessions' | 'trustedDevices' | 'urls'
>

/**
 * Every change to a user's factors goes into their history. One that weakens or replaces a way in
 * also ends every "trust this device" mark: a browser trusted before the change proves nothing now.
 */
export async function recordFactorChange(
  c: Context<GatewayEnv>,
  s: FactorChangeParts,
  factor: Proof,
  result: string,
): Promise<void> {
  const { user } = c.var.session
  if (result !== 'renamed') await s.trustedDevices.revokeAll(user)
  await s.history.record(user, c.var.origin, { event: 'factor_changed', factor, result })
}

/** A first factor (or, in invite mode, the enrollment code) accepted: into the user's history. */
export function recordEnrolled(
  c: Context<GatewayEnv>,
  s: Pick<Services, 'history'>,
  proof: Proof | 'invite',
) {
  return s.history.record(c.var.session.user, c.var.origin, {
    event: 'enrollment',
    factor: proof,
    result: 'success',
  })
}

/**
 * New recovery codes for the signed-in user (the old ones stop working), shown once on the recovery
 * codes page, which then goes on to `returnTo`. Returns where to send the browser.
 */
export async function showNewRecoveryCodes(
  c: Context<GatewayEnv>,
  s: FactorChangeParts,
  returnTo: string,
): Promise<string> {
  const { session, sessionToken } = c.var
  const codes = await s.recoveryCodes.generate(session.user)
  await s.sessions.save(sessionToken, {
    ...session,
    freshRecoveryCodes: sealRecoveryCodes(s.box, session.user, codes),
    returnTo,
  })
  return s.urls.recoveryCodes.page
}

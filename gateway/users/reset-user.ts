import type { FactorId } from '../factors/factor-kinds.ts'
import { factorIds } from '../factors/factor-kinds.ts'
import type { RecoveryCodes } from '../factors/recovery-codes.ts'
import type { StoredFactor } from '../factors/stored-factor.ts'
import type { LoginHistory, RequestOrigin } from '../history/login-history.ts'
import type { Sessions } from '../session/sessions.ts'
import type { TrustedDevices } from '../session/trusted-devices.ts'
import type { EnrollmentInvites } from './enrollment-invites.ts'

/** Everything a reset clears, and the history it is told in. */
export interface ResetParts {
  storedFactors: Readonly<Record<FactorId, StoredFactor>>
  recoveryCodes: RecoveryCodes
  invites: EnrollmentInvites
  sessions: Sessions
  trustedDevices: TrustedDevices
  history: LoginHistory
}

export interface ResetRequest {
  /** The admin (username, or `cli:<os user>` from the command line). */
  actor: string
  /** Why, for the audit trail: required, never empty. */
  reason: string
  origin: RequestOrigin
}

/**
 * An admin's reset of a user who lost every factor (seed 004): their app, keys, text-message number
 * and recovery codes are gone, any enrollment code outstanding is withdrawn, and every session and trusted-device mark
 * ends at once on every gateway. Their next
 * sign-in after the password enrolls a factor afresh (or needs an invite code, when configured).
 * Recorded in the user's history with who and why.
 */
export async function resetSecondFactors(s: ResetParts, user: string, request: ResetRequest): Promise<void> {
  const reason = request.reason.trim()
  if (reason === '') throw new TypeError('a reset needs a reason')
  await Promise.all([
    // Every type, turned off ones too: else a user whose factors are off could never enroll afresh.
    ...factorIds.map((id) => s.storedFactors[id].removeAll(user)),
    s.recoveryCodes.revoke(user),
    // An enrollment code issued before the reset was for the old situation; the admin issues a new one.
    s.invites.revoke(user),
  ])
  await Promise.all([s.sessions.destroyAllOf(user), s.trustedDevices.revokeAll(user)])
  await s.history.record(
    user,
    request.origin,
    { event: 'admin', result: 'reset', actor: request.actor, reason },
    { level: 'warn', message: 'second factors reset by an admin' },
  )
}

import type { Context } from 'hono'
import type { GatewayEnv } from '../context.ts'
import type { PasskeySignIn, Proof } from '../factors/factor-kinds.ts'
import type { Verdict } from '../factors/verdict.ts'
import type { HistoryEvent } from '../history/login-history.ts'
import type { Services } from '../services.ts'
import { type LockoutParts, refuseIfLockedOut } from './lockout-refusal.ts'

/** What this file uses of the services. */
type AttemptParts = Pick<Services, 'history' | 'regulator'> & LockoutParts

/** What a proof is offered for, as the history records it. */
export interface ProofAttempt {
  event: Extract<HistoryEvent, 'second_factor' | 'enrollment' | 'factor_changed'>
  proof: Proof | PasskeySignIn | 'invite'
  /** Whose proof it is: the session's user, unless the proof names its user (a passkey, before any session). */
  user?: string
}

/** Refused unchecked while locked out, or the factor's verdict. */
export type Attempted<V> = { lockedOut: Response } | { lockedOut: null; verdict: V }

/**
 * One attempt at a proof (a code, a tap, a security key, a recovery or enrollment code), the same
 * wherever one is accepted: refused unchecked while the user is locked out from this address; else
 * checked; a refusal goes into the history and counts toward the lockout unless the factor marked it
 * `notAGuess` (its service failed, no code was waiting).
 * What a success leads to (a completed sign-in, a confirmed session, a new factor) is the caller's.
 */
export async function attemptProof<V extends Verdict<string>>(
  c: Context<GatewayEnv>,
  s: AttemptParts,
  attempt: ProofAttempt,
  check: () => Promise<V>,
): Promise<Attempted<V>> {
  const user = attempt.user ?? c.var.session.user
  const lockedOut = await refuseIfLockedOut(c, s, { event: attempt.event, factor: attempt.proof, user })
  if (lockedOut !== null) return { lockedOut }
  const verdict = await check()
  if (!verdict.ok) {
    const { reason, detail, warning } = verdict
    await s.history.record(
      user,
      c.var.origin,
      { event: attempt.event, factor: attempt.proof, result: reason },
      {
        ...(detail === undefined ? {} : { logOnly: { detail } }),
        ...(warning === undefined ? {} : { level: 'warn', message: warning }),
      },
    )
    if (!verdict.notAGuess) await s.regulator.recordFailure(user, c.var.clientIp, attempt.proof)
  }
  return { lockedOut: null, verdict }
}

import type { Context, MiddlewareHandler } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { enrolledFactors } from '../factors/enrolled-factors.ts'
import type { FactorSet } from '../factors/factor-kinds.ts'
import type { Services } from '../services.ts'
import type { Session } from '../session/sessions.ts'

/** What this file uses of the services. */
type StepUpParts = Pick<Services, 'clock' | 'sessions' | 'urls'> & FactorSet

/** A change to the user's factors needs a second factor verified this recently (issue: step-up). */
const STEP_UP_WINDOW_MS = 5 * 60_000

function recentlyVerified(s: StepUpParts, session: Session): boolean {
  return session.verifiedAt !== undefined && s.clock.now() - session.verifiedAt < STEP_UP_WINDOW_MS
}

/** An action a step-up interrupts, to be offered again once the user has verified (GitHub's sudo mode). */
export type Interrupted = NonNullable<Session['interrupted']>

/**
 * Guards the routes that change a user's factors: a session verified more than five minutes ago (or
 * never, as one opened by a trusted device) is sent to verify again and brought back to the account
 * page (or `comeBackTo`). Someone at an unlocked, signed-in computer cannot swap in their own phone.
 * `interrupted` names the action (the 2fa page says what it is for) and keeps what was typed for it.
 */
export function requireRecentVerification(
  s: StepUpParts,
  comeBackTo: (c: Context<GatewayEnv>) => string = () => s.urls.account.page,
  interrupted?: (c: Context<GatewayEnv>) => Promise<Interrupted>,
): MiddlewareHandler<GatewayEnv> {
  return async function stepUpGuard(c, next) {
    if (await mayChangeFactors(s, c.var.session)) return next()
    return askToVerifyAgain(c, s, comeBackTo(c), await interrupted?.(c))
  }
}

/** Verified recently, or has no factor to verify with (skipped enrollment while it was optional). */
export async function mayChangeFactors(s: StepUpParts, session: Session): Promise<boolean> {
  return recentlyVerified(s, session) || (await enrolledFactors(s, session.user)).none
}

export async function askToVerifyAgain(
  c: Context<GatewayEnv>,
  s: StepUpParts,
  comeBackTo = s.urls.account.page,
  interrupted?: Interrupted,
) {
  // An earlier interrupted action is replaced (or dropped): only the latest is offered again.
  await s.sessions.save(c.var.sessionToken, { ...c.var.session, interrupted, returnTo: comeBackTo })
  if (c.req.header('content-type')?.startsWith('application/json')) {
    return c.json(
      {
        error: 'step_up_required',
        message: 'For your security, confirm it is you before changing your sign-in methods.',
        redirect: s.urls.secondFactor.page,
      },
      403,
    )
  }
  return c.redirect(s.urls.secondFactor.page, 303)
}

import type { Context } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem } from '../errors.tsx'
import { requestOrigin } from '../history/login-history.ts'
import type { Services } from '../services.ts'

/**
 * The 429 page for a user or address that is locked out, recorded in the user's history. The page
 * says only that sign-in is paused, never whether the password or the code was wrong.
 */
export async function refuseIfLockedOut(
  c: Context<GatewayEnv>,
  s: Services,
  ip: string,
  attempt: { event: 'enrollment' | 'second_factor'; factor: string },
): Promise<Response | null> {
  const { user } = c.var.session
  if ((await s.regulator.bannedFor(user, ip)) <= 0) return null
  const { event, factor } = attempt
  await s.history.record(user, requestOrigin(c.env.incoming, ip), { event, factor, result: 'locked_out' })
  return respondWithProblem(c, 'locked', s.config.prefix)
}

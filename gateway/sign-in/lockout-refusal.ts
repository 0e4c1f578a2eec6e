import type { Context } from 'hono'
import type { GatewayEnv } from '../context.ts'
import type { ProblemDetail } from '../errors.tsx'
import { respondWithProblem } from '../errors.tsx'
import type { PasskeySignIn, Proof } from '../factors/factor-kinds.ts'
import type { HistoryEvent, HistoryFields, RequestOrigin } from '../history/login-history.ts'
import type { Lockout } from '../regulation/regulator.ts'
import type { Services } from '../services.ts'

/** What this file uses of the services. */
export type LockoutParts = Pick<
  Services,
  'clock' | 'config' | 'history' | 'look' | 'regulator' | 'trustedDevices' | 'urls'
>

/**
 * The 429 page for a second-factor attempt that is locked out. The page says until when, never
 * whether the password or the code was wrong, nor which limit was reached.
 */
export async function refuseIfLockedOut(
  c: Context<GatewayEnv>,
  s: LockoutParts,
  attempt: {
    event: Extract<HistoryEvent, 'second_factor' | 'enrollment' | 'factor_changed'>
    factor: Proof | PasskeySignIn | 'invite'
    /** The session's user unless named (a passkey names its user before any session exists). */
    user?: string
  },
): Promise<Response | null> {
  const { user = c.var.session.user, ...fields } = attempt
  const lockout = await s.regulator.lockoutOf(user, c.var.clientIp)
  if (lockout === null) return null
  await recordLockedOut(s, user, c.var.origin, lockout, { ...fields, known: true })
  return respondWithProblem(c, 'locked', s, lockoutDetail(s, lockout))
}

/** The lockout of a password attempt: a browser the user trusted is spared user and address lockouts. */
export function passwordLockout(
  s: LockoutParts,
  user: string,
  ip: string,
  deviceToken: string | undefined,
): Promise<Lockout | null> {
  const vouched = () =>
    s.config.trusted_devices.enabled ? s.trustedDevices.vouchesFor(user, deviceToken) : Promise.resolve(false)
  return s.regulator.lockoutOf(user, ip, vouched)
}

/**
 * A refused attempt: every one is logged and counted, but only the first of each lockout goes into the
 * user's history (and none for a name tapgate does not know), so refusals cannot push real entries out.
 */
export async function recordLockedOut(
  s: LockoutParts,
  user: string,
  origin: RequestOrigin,
  lockout: Lockout,
  attempt: Pick<HistoryFields, 'event' | 'factor'> & { known: boolean },
): Promise<void> {
  const { known, ...fields } = attempt
  if (!known) return s.history.recordUnknownUser(user, origin, 'locked_out')
  const inHistory = await s.regulator.isFirstRefusal(user, origin.ip, lockout)
  await s.history.record(
    user,
    origin,
    { ...fields, result: 'locked_out' },
    { inHistory, logOnly: { lockout: lockout.subject } },
  )
}

/**
 * Until when, in words: minutes from now (no time zone needed) and the clock time in UTC; then what
 * to do (`ui.lockout_help`; the page's footer names who helps).
 */
export function lockoutDetail(s: LockoutParts, lockout: Lockout): ProblemDetail {
  const retryAfterMs = Math.max(0, lockout.until - s.clock.now())
  const minutes = Math.max(1, Math.ceil(retryAfterMs / 60_000))
  const at = new Date(lockout.until).toISOString().slice(11, 16)
  return {
    retryAfterMs,
    help: s.look.lockoutHelp,
    message:
      'Sign-in is paused after too many failed attempts. ' +
      `Try again in ${minutes === 1 ? '1 minute' : `${minutes} minutes`} (at ${at} UTC).`,
  }
}

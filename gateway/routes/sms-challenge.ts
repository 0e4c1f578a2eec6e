import { Hono } from 'hono'
import { describeDuration } from '../config/duration.ts'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem } from '../errors.tsx'
import { recordSend } from '../factor-setup/sms-sends.ts'
import { type EnrolledFactors, enrolledFactors } from '../factors/enrolled-factors.ts'
import { maskPhoneNumber } from '../factors/sms/phone-number.ts'
import { checkbox, readForm, textField } from '../http/form.ts'
import { codeRefusal, sendRefusal } from '../messages/sms-messages.ts'
import type { Services } from '../services.ts'
import { attemptProof } from '../sign-in/attempt.ts'
import { passSecondStep } from '../sign-in/complete-sign-in.ts'
import { refuseIfLockedOut } from '../sign-in/lockout-refusal.ts'
import type { SmsChallenge } from '../views/sms-method.tsx'
import type { RenderChallenge } from './factors/factor-pages.ts'

/** What the 2fa page shows of the user's number; null when it does not offer text messages. */
export async function smsChallengeFor(
  s: Services,
  user: string,
  factors: EnrolledFactors,
): Promise<SmsChallenge | null> {
  const sms = s.sms
  if (sms === null || factors.has.sms === null || !sms.offeredAtSignIn(factors)) return null
  const [outstanding, resendInMs] = await Promise.all([
    sms.outstanding(user, 'sign_in'),
    sms.resendInMs(user, 'sign_in'),
  ])
  return {
    maskedNumber: maskPhoneNumber(factors.has.sms.number),
    codeSent: outstanding !== null && outstanding.number === factors.has.sms.number,
    validFor: describeDuration(sms.settings.codeTtlMs),
    resendInSeconds: Math.ceil(resendInMs / 1000),
  }
}

/**
 * `<prefix>/2fa/sms`: "Send code" (and "Resend code") and the code it sent, for signing in or, from
 * a verified session, confirming a change. Mounted inside the 2fa routes: a session, CSRF checked.
 */
export function smsChallengeRoutes(s: Services, render: RenderChallenge) {
  const { urls } = s
  const routes = new Hono<GatewayEnv>()

  /** The user's factors, when the 2fa page offers them text messages; null otherwise. */
  async function offered(user: string) {
    const factors = await enrolledFactors(s, user)
    const sms = s.sms
    if (sms === null || factors.has.sms === null || !sms.offeredAtSignIn(factors)) return null
    return { sms, factors, number: factors.has.sms.number }
  }

  routes.post('/sms/send', async (c) => {
    const { user } = c.var.session
    const lockedOut = await refuseIfLockedOut(c, s, { event: 'second_factor', factor: 'sms' })
    if (lockedOut) return lockedOut
    const found = await offered(user)
    if (found === null) return respondWithProblem(c, 'not_found', s)
    const result = await found.sms.send(user, 'sign_in', found.number)
    await recordSend(c, s, 'second_factor', found.number, result)
    if (result.ok) {
      await s.sessions.keepPendingUntil(c.var.sessionToken, c.var.session, result.expiresAt)
      return c.redirect(urls.secondFactor.page, 303)
    }
    return render(c, found.factors, result.reason === 'not_delivered' ? 503 : 429, {
      shown: 'sms',
      sendError: sendRefusal(result, 'sign_in'),
    })
  })

  routes.post('/sms', async (c) => {
    const { user } = c.var.session
    const found = await offered(user)
    if (found === null) return respondWithProblem(c, 'not_found', s)
    const { code, trust_device: trust } = await readForm(c, { code: textField, trust_device: checkbox })
    const attempt = await attemptProof(c, s, { event: 'second_factor', proof: 'sms' }, () =>
      found.sms.verify(user, 'sign_in', code),
    )
    if (attempt.lockedOut) return attempt.lockedOut
    const { verdict } = attempt
    if (verdict.ok) return c.redirect(await passSecondStep(c, s, 'sms', trust), 303)
    const refusal = codeRefusal(verdict)
    return render(
      c,
      await enrolledFactors(s, user),
      verdict.reason === 'malformed' ? 400 : 401,
      refusal.field ? { shown: 'sms', error: refusal.message } : { shown: 'sms', sendError: refusal.message },
    )
  })

  return routes
}

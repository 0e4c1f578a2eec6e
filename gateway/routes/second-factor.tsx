import { type Context, Hono } from 'hono'
import { describeDuration } from '../config/duration.ts'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem } from '../errors.tsx'
import { type EnrolledFactors, enrolledFactors } from '../factors/enrolled-factors.ts'
import { factorIds, type Proof } from '../factors/factor-kinds.ts'
import { requireCsrf } from '../guards/require-csrf.ts'
import { requireSession } from '../guards/require-session.ts'
import { readForm, textField } from '../http/form.ts'
import { htmlPage } from '../http/html-page.tsx'
import { recoveryCodeMessages } from '../messages/code-messages.ts'
import type { Services } from '../services.ts'
import { attemptProof } from '../sign-in/attempt.ts'
import { completeSignIn } from '../sign-in/complete-sign-in.ts'
import { RecoveryCodeUsedPage } from '../views/recovery-codes-page.tsx'
import { SecondFactorPage } from '../views/second-factor-page.tsx'
import { type ChallengeRefusal, factorPages, factorViews, type SignInExtras } from './factors/factor-pages.ts'

/**
 * `<prefix>/2fa`: the challenge for a user whose panel password was accepted, one way to verify at a
 * time (`?method=` picks another): each factor offers itself and takes its proofs under it
 * (routes/factors/), a recovery code is posted here.
 */
export function secondFactorRoutes(s: Services) {
  const { urls } = s
  const { digits } = s.config.factors.totp
  const trustFor = describeDuration(s.config.trusted_devices.lifetime)
  const routes = new Hono<GatewayEnv>()
  // A pending session signs in here; a verified one comes back to confirm itself before a factor change.
  routes.use('*', requireSession(s, 'any'), requireCsrf(s))

  /**
   * The 2fa page showing one way to verify: the one just refused, else the one asked for (`?method=`),
   * else a text message whose code is on its way, else the strongest.
   */
  async function render(
    c: Context<GatewayEnv>,
    factors: EnrolledFactors,
    status: 200 | 400 | 401 | 429 | 503,
    refusal: ChallengeRefusal = {},
  ) {
    const { user, level, interrupted } = c.var.session
    const stepUp = level === 'two_factor'
    const offers = await Promise.all(factorIds.map((id) => factorPages[id].signIn.offer(s, user, factors)))
    const extras: SignInExtras = Object.assign({}, ...offers)
    // A recovery code is for getting in only.
    const recovery = !stepUp && (factors.recoveryCodesLeft ?? 0) > 0
    const methods: Proof[] = [
      ...factorIds.filter((_, at) => offers[at] !== null),
      ...(recovery ? ['recovery_code' as const] : []),
    ]
    // A text-message code on its way is what the user is waiting for, unless they asked for another way.
    const wanted = refusal.shown ?? c.req.query('method') ?? (extras.sms?.codeSent ? 'sms' : undefined)
    const page = (
      <SecondFactorPage
        urls={urls}
        views={factorViews}
        username={user}
        csrfToken={c.var.csrfToken}
        digits={digits}
        methods={methods}
        shown={methods.find((proof) => proof === wanted)}
        error={refusal.error}
        sms={extras.sms ?? null}
        sendError={refusal.sendError}
        purpose={stepUp ? 'step_up' : 'sign_in'}
        stepUpFor={interrupted?.label}
        trustFor={s.config.trusted_devices.enabled && !stepUp ? trustFor : null}
      />
    )
    return htmlPage(c, page, status)
  }

  routes.get('/', async (c) => {
    const factors = await enrolledFactors(s, c.var.session.user)
    if (factors.none) return c.redirect(urls.enroll.page, 302)
    if (factors.onlySwitchedOff) return refuseSwitchedOff(c, s, factors)
    return render(c, factors, 200)
  })

  for (const id of factorIds) {
    const proofs = factorPages[id].signIn.routes?.(s, render)
    if (proofs !== undefined) routes.route('/', proofs)
  }

  // Recovery codes are for getting in, not for confirming a change: a verified session uses a factor.
  routes.post('/recovery', async (c) => {
    if (c.var.session.level !== 'first_factor') return respondWithProblem(c, 'forbidden', s)
    const { user } = c.var.session
    const { recovery_code: code } = await readForm(c, { recovery_code: textField })
    const attempt = await attemptProof(c, s, { event: 'second_factor', proof: 'recovery_code' }, () =>
      s.recoveryCodes.redeem(user, code),
    )
    if (attempt.lockedOut) return attempt.lockedOut
    const { verdict } = attempt
    if (verdict.ok) {
      const destination = await completeSignIn(c, s, 'recovery_code')
      const page = (
        <RecoveryCodeUsedPage urls={urls} remaining={verdict.remaining} destination={destination} />
      )
      return htmlPage(c, page)
    }
    return render(c, await enrolledFactors(s, user), verdict.reason === 'malformed' ? 400 : 401, {
      shown: 'recovery_code',
      error: recoveryCodeMessages[verdict.reason],
    })
  })

  return routes
}

/**
 * A user whose every factor is of a type turned off has nothing to verify with, and is not one with
 * no factor either: refused, with a page that says why, and logged for the admin.
 */
function refuseSwitchedOff(c: Context<GatewayEnv>, s: Services, factors: EnrolledFactors) {
  s.log.warn(
    { event: 'factor_switched_off', user: c.var.session.user, factors: factors.switchedOff },
    'sign-in refused: the user has only factors of types turned off',
  )
  return respondWithProblem(c, 'factor_switched_off', s)
}

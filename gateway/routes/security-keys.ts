import { type Context, Hono } from 'hono'
import { z } from 'zod'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem } from '../errors.tsx'
import { enrolledFactors } from '../factors/enrolled-factors.ts'
import type { AuthenticationFailure, RegistrationFailure } from '../factors/webauthn/results.ts'
import type { WebAuthnFactor } from '../factors/webauthn/webauthn-factor.ts'
import { needsInvite } from '../guards/needs-invite.ts'
import { requireCsrf } from '../guards/require-csrf.ts'
import { requireSession } from '../guards/require-session.ts'
import { askToVerifyAgain, mayChangeFactors } from '../guards/step-up.ts'
import { storeStillIntact } from '../guards/store-still-intact.ts'
import type { Services } from '../services.ts'
import { tokenId } from '../session/token.ts'
import { attemptProof } from '../sign-in/attempt.ts'
import { completeSignIn, passSecondStep } from '../sign-in/complete-sign-in.ts'

/** What the page shows for each refusal; the library's detail goes to the log only. */
const refusals: Record<RegistrationFailure | AuthenticationFailure, string> = {
  no_challenge: 'The request expired. Try again.',
  invalid_response: 'The security key sent an answer that could not be read. Try again.',
  invalid_name: 'Give the key a name of at most 64 characters.',
  wrong_origin: `This security key was used for a different site address. Open this page at its usual address and try again.`,
  wrong_rp: 'This security key was set up for a different site. Use a key registered here.',
  not_allowed_model: 'This model of security key is not allowed here. Use an approved key.',
  compromised_model:
    'This model of security key has a known security flaw and cannot be added. Use another key.',
  already_registered: 'This security key is already registered.',
  verification_failed: 'This security key could not be verified. Try again.',
  unknown_credential: 'This security key is not registered for your account. Use a key you added here.',
  counter_regression: 'This security key could not be verified. If it keeps happening, contact support.',
}

const ceremonyBody = z.object({
  response: z.unknown(),
  name: z.string().max(200).optional(),
  /** The 2fa page's "Trust this device" box. */
  trustDevice: z.boolean().optional(),
})

/**
 * `<prefix>/webauthn/…`: JSON endpoints for the security-key ceremonies, called by web/webauthn.ts.
 * Registration: a pending user with no factor (their first factor) or a verified user adding a key.
 * Authentication: a pending user proving their second factor. Challenges are bound to the session.
 */
export function securityKeyRoutes(s: Services, webauthn: WebAuthnFactor) {
  const { urls } = s
  const routes = new Hono<GatewayEnv>()
  routes.use('*', requireSession(s, 'any'), requireCsrf(s))
  const scope = (c: Context<GatewayEnv>) => tokenId(c.var.sessionToken)

  /** A verified user may add keys; a pending one only as their very first factor. */
  /** A verified user adds a key only within the step-up window; a pending one only as their first factor. */
  async function refuseRegistration(c: Context<GatewayEnv>): Promise<Response | null> {
    if (c.var.session.level === 'two_factor') {
      return (await mayChangeFactors(s, c.var.session)) ? null : askToVerifyAgain(c, s)
    }
    if (
      !(await enrolledFactors(s, c.var.session.user)).none ||
      needsInvite(s.config.enrollment, c.var.session)
    )
      return respondWithProblem(c, 'forbidden', s)
    if (!(await storeStillIntact(c, s))) return respondWithProblem(c, 'store_unavailable', s)
    return null
  }

  routes.post('/registration/options', async (c) => {
    const refused = await refuseRegistration(c)
    if (refused) return refused
    return c.json(await webauthn.registrationOptions(c.var.session.user, scope(c)))
  })

  routes.post('/registration', async (c) => {
    const refused = await refuseRegistration(c)
    if (refused) return refused
    const { user, level } = c.var.session
    const origin = c.var.origin
    const body = ceremonyBody.safeParse(await c.req.json().catch(() => null))
    if (!body.success) return respondWithProblem(c, 'bad_request', s)
    const result = await webauthn.verifyRegistration(user, scope(c), body.data.response, body.data.name ?? '')
    const event = { event: 'enrollment', factor: 'webauthn' } as const
    if (!result.ok) {
      await s.history.record(
        user,
        origin,
        { ...event, result: result.reason },
        { logOnly: { detail: result.detail } },
      )
      return c.json({ error: result.reason, message: refusals[result.reason] }, 400)
    }
    await s.history.record(
      user,
      origin,
      { ...event, result: 'success' },
      { logOnly: { aaguid: result.credential.aaguid } },
    )
    // A new key on a verified account is a factor change: trusted browsers must prove themselves again.
    if (level === 'two_factor') await s.trustedDevices.revokeAll(user)
    if (level === 'first_factor') {
      return c.json({ redirect: await completeSignIn(c, s, 'webauthn', { firstEnrollment: true }) })
    }
    return c.json({ redirect: urls.account.notice('key_added') })
  })

  // A pending session signs in with a key; a verified one confirms itself with it (step-up).
  routes.post('/authentication/options', async (c) => {
    const options = await webauthn.authenticationOptions(c.var.session.user, scope(c))
    if (options === null)
      return c.json({ error: 'no_keys', message: 'No security key is registered for this account.' }, 404)
    return c.json(options)
  })

  routes.post('/authentication', async (c) => {
    const { user } = c.var.session
    const body = ceremonyBody.safeParse(await c.req.json().catch(() => null))
    if (!body.success) return respondWithProblem(c, 'bad_request', s)
    const { response, trustDevice } = body.data
    const attempt = await attemptProof(c, s, { event: 'second_factor', proof: 'webauthn' }, () =>
      webauthn.verifyAuthentication(user, scope(c), response),
    )
    if (attempt.lockedOut) return attempt.lockedOut
    const { verdict } = attempt
    if (verdict.ok) {
      return c.json({ redirect: await passSecondStep(c, s, 'webauthn', trustDevice === true) })
    }
    return c.json({ error: verdict.reason, message: refusals[verdict.reason] }, 401)
  })

  return routes
}

import { type Context, Hono } from 'hono'
import { z } from 'zod'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem } from '../errors.tsx'
import type { PasskeyFailure } from '../factors/webauthn/results.ts'
import type { WebAuthnFactor } from '../factors/webauthn/webauthn-factor.ts'
import type { LocalUsers } from '../first-factor/local-users.ts'
import { loginFormIdOf, requireLoginFormCsrf } from '../guards/login-form.ts'
import { takeCookie } from '../http/cookies.ts'
import { safeRedirectTarget } from '../http/redirect-target.ts'
import type { Services } from '../services.ts'
import { isWellFormedToken } from '../session/token.ts'
import { attemptProof } from '../sign-in/attempt.ts'
import { completeSignIn } from '../sign-in/complete-sign-in.ts'

/**
 * What the sign-in page shows for each refusal; the detail goes to the log only. A passkey that is
 * nobody's and one whose user may not sign in (disabled, or gone from the users file) read the same.
 */
const refusals: Record<PasskeyFailure, string> = {
  no_challenge: 'The request expired. Try again.',
  invalid_response: 'Your passkey sent an answer that could not be read. Try again.',
  unknown_credential: 'This passkey cannot sign in here. Sign in with your username and password.',
  not_discoverable:
    'This security key cannot sign in without a password. Sign in with your username and password.',
  user_not_verified:
    'Your passkey did not confirm it is you. Try again, and unlock it (PIN, fingerprint or face) when asked.',
  wrong_origin:
    'This passkey was used for a different site address. Open this page at its usual address and try again.',
  wrong_rp: 'This passkey was set up for a different site. Use one registered here.',
  verification_failed: 'This passkey could not be verified. Try again.',
  counter_regression: 'This passkey could not be verified. If it keeps happening, contact support.',
}

const signInBody = z.object({
  response: z.unknown(),
  /** The sign-in page's "Trust this device" box. */
  trustDevice: z.boolean().optional(),
  /** Where the user was going (the page's `rd`); checked like every redirect target. */
  returnTo: z.string().max(2048).optional(),
})

/**
 * `<prefix>/login/passkey` (first_factor.mode: local with `factors.webauthn.passwordless`): "Sign in
 * with a passkey" on tapgate's sign-in page, and the username field's autofill, called by
 * web/passkey-sign-in.ts. Mounted only then; otherwise these addresses are 404.
 *
 * A passkey is a discoverable credential whose authenticator verified the user: it stands for the
 * password and the second factor at once. The user is the owner of the credential id (claimed at
 * registration); a user disabled in or removed from the users file cannot sign in, and the attempt
 * goes through the same regulation as any proof: refused unchecked while that user is locked out from
 * this address, a failed assertion counted against that user. Both calls carry the sign-in page's
 * CSRF token, and the challenge is kept under the page's form id, single-use.
 */
export function passkeySignInRoutes(s: Services, users: LocalUsers, webauthn: WebAuthnFactor) {
  const routes = new Hono<GatewayEnv>()
  routes.use('*', requireLoginFormCsrf(s))
  // The guard let only a well-formed form id through.
  const scope = (c: Context<GatewayEnv>) => `passkey-sign-in:${loginFormIdOf(c, s.config) as string}`

  routes.post('/options', async (c) => c.json(await webauthn.passkeyOptions(scope(c))))

  routes.post('/', async (c) => {
    const body = signInBody.safeParse(await c.req.json().catch(() => null))
    if (!body.success) return respondWithProblem(c, 'bad_request', s)
    const { response, trustDevice = false, returnTo } = body.data
    const claim = await webauthn.claimPasskey(scope(c), response)
    if (!claim.ok) {
      // Nobody to count it against: the credential names no user tapgate knows.
      s.log.info(
        { event: 'passkey_sign_in', result: claim.reason, detail: claim.detail, ip: c.var.clientIp },
        `passkey sign-in: ${claim.reason}`,
      )
      return refuse(c, claim.reason)
    }
    const { user } = claim
    const account = users.find(user)
    if (account === null || account.disabled) {
      const detail = account === null ? 'not in the users file' : 'disabled in the users file'
      await s.history.record(
        user,
        c.var.origin,
        { event: 'second_factor', factor: 'passkey', result: 'account_disabled' },
        { logOnly: { detail } },
      )
      return refuse(c, 'unknown_credential')
    }
    const attempt = await attemptProof(c, s, { event: 'second_factor', proof: 'passkey', user }, claim.verify)
    if (attempt.lockedOut) return attempt.lockedOut
    const { verdict } = attempt
    if (!verdict.ok) return refuse(c, verdict.reason)
    const destination = safeRedirectTarget(returnTo, s.publicOrigin) ?? '/'
    return c.json({ redirect: await signInWithPasskey(c, s, user, destination, trustDevice) })
  })

  return routes
}

function refuse(c: Context<GatewayEnv>, reason: PasskeyFailure) {
  return c.json({ error: reason, message: refusals[reason] }, 401)
}

/**
 * Both steps are done: the passkey stood for the password (recorded as the first step, so the
 * history pairs it with the second like a password's sign-in), then the sign-in completes as a
 * second factor's would: a new session id, the verified level, the trusted-device mark if asked for.
 */
async function signInWithPasskey(
  c: Context<GatewayEnv>,
  s: Services,
  user: string,
  returnTo: string,
  trustDevice: boolean,
): Promise<string> {
  const oldToken = takeCookie(c.req.header('cookie'), s.cookie.name).value
  if (isWellFormedToken(oldToken)) await s.sessions.destroy(oldToken)
  await s.users.remember(user)
  await s.history.record(user, c.var.origin, { event: 'first_factor', factor: 'passkey', result: 'success' })
  const token = await s.sessions.create({ user, level: 'first_factor', returnTo })
  const session = await s.sessions.load(token)
  if (session === null) throw new Error(`the session of '${user}' vanished as it was created`)
  c.set('session', session)
  c.set('sessionToken', token)
  return completeSignIn(c, s, 'passkey', { trustDevice })
}

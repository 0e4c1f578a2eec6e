import { type Context, Hono } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem } from '../errors.tsx'
import { appSetupFor, offeredTotpSecret } from '../factor-setup/offered-totp-secret.ts'
import { enrolledFactors } from '../factors/enrolled-factors.ts'
import { isFactorId, type Proof } from '../factors/factor-kinds.ts'
import { needsInvite } from '../guards/needs-invite.ts'
import { requireCsrf } from '../guards/require-csrf.ts'
import { requireSession } from '../guards/require-session.ts'
import { storeStillIntact } from '../guards/store-still-intact.ts'
import { readForm, textField } from '../http/form.ts'
import { htmlPage } from '../http/html-page.tsx'
import { appCodeMessages, yubikeyMessage } from '../messages/code-messages.ts'
import type { Services } from '../services.ts'
import { attemptProof } from '../sign-in/attempt.ts'
import { completeSignIn } from '../sign-in/complete-sign-in.ts'
import { EnrollmentInvitePage } from '../views/enrollment-invite-page.tsx'
import { EnrollmentPage } from '../views/enrollment-page.tsx'
import { smsEnrollmentRoutes } from './sms-setup.tsx'

/**
 * `<prefix>/enroll`: a user with no factor adds one, one way at a time (`?method=` picks another than
 * the strongest): an authenticator app or a YubiKey here, text messages under /sms, a security key
 * through the WebAuthn routes. The TOTP secret is offered once per pending session (a reload shows
 * the same QR code) and counts only after a correct code.
 */
export function enrollmentRoutes(s: Services) {
  const { urls } = s
  const routes = new Hono<GatewayEnv>()
  routes.use(
    '*',
    requireSession(s, 'first_factor'),
    requireCsrf(s),
    async function onlyWithoutFactors(c, next) {
      if (!(await enrolledFactors(s, c.var.session.user)).none) return c.redirect(urls.secondFactor.page, 303)
      if (!(await storeStillIntact(c, s))) return respondWithProblem(c, 'store_unavailable', s)
      await next()
    },
  )

  // Invite mode: the enrollment code first (skipping, where allowed, needs none: it enrolls nothing).
  routes.post('/invite', async (c) => {
    const { user } = c.var.session
    const { invite_code: code } = await readForm(c, { invite_code: textField })
    const attempt = await attemptProof(c, s, { event: 'enrollment', proof: 'invite' }, () =>
      s.invites.redeem(user, code),
    )
    if (attempt.lockedOut) return attempt.lockedOut
    if (!attempt.verdict.ok) {
      return renderInvite(c, 401, 'That code is not valid. Check it, or ask for a new one.')
    }
    await recordEnrolled(c, s, 'invite')
    await s.sessions.save(c.var.sessionToken, { ...c.var.session, invited: true })
    return c.redirect(urls.enroll.page, 303)
  })
  routes.use('*', async function invitedFirst(c, next) {
    if (needsInvite(s.config.enrollment, c.var.session) && !c.req.path.endsWith('/skip'))
      return renderInvite(c, 200)
    await next()
  })

  function renderInvite(c: Context<GatewayEnv>, status: 200 | 401, error?: string) {
    const page = (
      <EnrollmentInvitePage
        urls={urls}
        username={c.var.session.user}
        csrfToken={c.var.csrfToken}
        error={error}
      />
    )
    return htmlPage(c, page, status)
  }

  /**
   * The enrollment page showing one way: the one just refused (the page knows it by its error), else
   * the one asked for (`?method=`), else the strongest offered.
   */
  async function render(
    c: Context<GatewayEnv>,
    status: 200 | 400 | 401,
    error?: string,
    yubikeyError?: string,
  ) {
    const { user } = c.var.session
    const asked = c.req.query('method')
    const page = (
      <EnrollmentPage
        urls={urls}
        {...(await appSetupFor(c, s))}
        securityKeys={s.webauthn !== null}
        skip={skipAllowed(s)}
        yubikey={s.yubicoOtp !== null}
        yubikeyError={yubikeyError}
        sms={s.sms?.allows(user, s.groups.groupsOf(user)) === true}
        shown={asked !== undefined && isFactorId(asked) ? asked : undefined}
        {...(error === undefined ? {} : { error })}
      />
    )
    return htmlPage(c, page, status)
  }

  routes.get('/', (c) => render(c, 200))

  routes.post('/yubikey', async (c) => {
    const yubico = s.yubicoOtp
    if (yubico === null) return respondWithProblem(c, 'not_found', s)
    const { user } = c.var.session
    const { otp, name } = await readForm(c, { otp: textField, name: textField })
    const attempt = await attemptProof(c, s, { event: 'enrollment', proof: 'yubico_otp' }, () =>
      yubico.enroll(user, otp, name),
    )
    if (attempt.lockedOut) return attempt.lockedOut
    const { verdict } = attempt
    if (!verdict.ok) {
      return render(c, verdict.reason === 'malformed' ? 400 : 401, undefined, yubikeyMessage(verdict.reason))
    }
    await recordEnrolled(c, s, 'yubico_otp')
    return c.redirect(await completeSignIn(c, s, 'yubico_otp', { firstEnrollment: true }), 303)
  })

  routes.route('/sms', smsEnrollmentRoutes(s))

  // Before enrollment is required (or where it is optional) a user may go on without a factor for now.
  routes.post('/skip', async (c) => {
    if (skipAllowed(s) === undefined) return respondWithProblem(c, 'forbidden', s)
    return c.redirect(await completeSignIn(c, s, 'enrollment_skipped'), 303)
  })

  routes.post('/', async (c) => {
    const { user } = c.var.session
    const secret = await offeredTotpSecret(c, s)
    const { code } = await readForm(c, { code: textField })
    const attempt = await attemptProof(c, s, { event: 'enrollment', proof: 'totp' }, () =>
      s.totp.check(user, secret, code),
    )
    if (attempt.lockedOut) return attempt.lockedOut
    const { verdict } = attempt
    if (!verdict.ok)
      return render(c, verdict.reason === 'malformed' ? 400 : 401, appCodeMessages[verdict.reason])
    // Another pending session of this user enrolled first: theirs stands, this one must verify against it.
    if (!(await s.totp.enroll(user, secret))) return c.redirect(urls.secondFactor.page, 303)
    await recordEnrolled(c, s, 'totp')
    return c.redirect(await completeSignIn(c, s, 'totp', { firstEnrollment: true }), 303)
  })

  return routes
}

/** Whether a user without a factor may skip enrolling now, and until when; undefined when not. */
function skipAllowed(s: Services): { until: number | null } | undefined {
  const { required, grace_until: graceUntil } = s.config.enrollment
  if (!required) return { until: null }
  if (graceUntil === undefined) return undefined
  const until = Date.parse(graceUntil)
  return s.clock.now() < until ? { until } : undefined
}

/** A first factor (or, in invite mode, the enrollment code) accepted: into the user's history. */
function recordEnrolled(c: Context<GatewayEnv>, s: Services, proof: Proof | 'invite') {
  return s.history.record(c.var.session.user, c.var.origin, {
    event: 'enrollment',
    factor: proof,
    result: 'success',
  })
}

import { type Context, Hono } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem } from '../errors.tsx'
import { recordEnrolled } from '../factor-setup/factor-changes.ts'
import { appSetupFor } from '../factor-setup/offered-totp-secret.ts'
import { enrolledFactors, offeredFactors } from '../factors/enrolled-factors.ts'
import { type FactorId, factorIds, isFactorId } from '../factors/factor-kinds.ts'
import { needsInvite } from '../guards/needs-invite.ts'
import { requireCsrf } from '../guards/require-csrf.ts'
import { requireSession } from '../guards/require-session.ts'
import { storeStillIntact } from '../guards/store-still-intact.ts'
import { readForm, textField } from '../http/form.ts'
import { htmlPage } from '../http/html-page.tsx'
import type { Services } from '../services.ts'
import { attemptProof } from '../sign-in/attempt.ts'
import { completeSignIn } from '../sign-in/complete-sign-in.ts'
import { EnrollmentInvitePage } from '../views/enrollment-invite-page.tsx'
import { EnrollmentPage } from '../views/enrollment-page.tsx'
import { factorPages, factorViews } from './factors/factor-pages.ts'

/**
 * `<prefix>/enroll`: a user with no factor adds one, one way at a time (`?method=` picks another than
 * the strongest); each factor takes its first proof under it (routes/factors/). In invite mode the
 * enrollment code comes first.
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
   * The enrollment page showing one way: the one just refused, else the one asked for (`?method=`),
   * else the strongest offered.
   */
  async function render(
    c: Context<GatewayEnv>,
    status: 200 | 400 | 401,
    refusal?: { refused: FactorId; error: string },
  ) {
    const asked = c.req.query('method')
    const page = (
      <EnrollmentPage
        urls={urls}
        views={factorViews}
        {...(await appSetupFor(c, s))}
        methods={offeredFactors(s, c.var.session.user)}
        skip={skipAllowed(s)}
        shown={asked !== undefined && isFactorId(asked) ? asked : undefined}
        refused={refusal?.refused}
        error={refusal?.error}
      />
    )
    return htmlPage(c, page, status)
  }

  routes.get('/', (c) => render(c, 200))

  for (const id of factorIds) {
    const enroll = factorPages[id].enrollment.routes?.(s, render)
    if (enroll !== undefined) routes.route('/', enroll)
  }

  // Before enrollment is required (or where it is optional) a user may go on without a factor for now.
  routes.post('/skip', async (c) => {
    if (skipAllowed(s) === undefined) return respondWithProblem(c, 'forbidden', s)
    return c.redirect(await completeSignIn(c, s, 'enrollment_skipped'), 303)
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

import { isIP } from 'node:net'
import { type Context, Hono, type MiddlewareHandler } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem } from '../errors.tsx'
import { factorLabels } from '../factors/factor-kinds.ts'
import { factorStandings } from '../factors/factor-standing.ts'
import { requireCsrf } from '../guards/require-csrf.ts'
import { requireSession } from '../guards/require-session.ts'
import { requireRecentVerification } from '../guards/step-up.ts'
import { pageOf } from '../history/page-of.ts'
import { historyRowsPerPage, signInRows, signInWindow } from '../history/sign-in-rows.ts'
import { pageNumber, readForm, readQuery, textField } from '../http/form.ts'
import { htmlPage } from '../http/html-page.tsx'
import { canonicalAddress } from '../http/networks.ts'
import { type AdminNotice, noticeText } from '../http/tapgate-urls.ts'
import type { Services } from '../services.ts'
import { deviceLabel } from '../session/trusted-devices.ts'
import {
  type AdminAct,
  issueEnrollmentInvite,
  liftAddressLockout,
  liftLockout,
  signOutEverywhere,
  userOverview,
} from '../users/admin-actions.ts'
import { resetSecondFactors } from '../users/reset-user.ts'
import { AdminSearchPage, AdminUserPage, reasonMaxLength } from '../views/admin-page.tsx'

/** At most this many users are listed; a search narrows the rest down. */
const listLimit = 200

/** Notices the user page may show after a change; the query carries only the code, never the text. */
const notices: Record<AdminNotice, string> = {
  reset: 'Second factors reset. The user is signed out everywhere and sets up a factor at the next sign-in.',
  signed_out: 'Signed out everywhere. Their sign-in methods are kept; every browser asks for them again.',
  unlocked: 'Lockout lifted.',
  address_unlocked: 'Address lockout lifted.',
}

/**
 * `<prefix>/admin` (seed 004: "contact the admin user of your account"): the configured admins find
 * a user, see their factors and activity, reset their second factors (with a reason), lift a lockout
 * and, in invite mode, issue an enrollment code. Every action is recorded in the user's history.
 */
export function adminRoutes(s: Services) {
  const { urls } = s
  const inviteMode = s.config.enrollment.first_enrollment === 'invite'
  const routes = new Hono<GatewayEnv>()
  // The admin check comes before CSRF, so a non-admin learns nothing from either answer.
  routes.use('*', requireSession(s, 'two_factor'), onlyAdmins(s), requireCsrf(s))

  /**
   * An admin's action changes someone else's factors: the admin's own second factor must be recent.
   * A step-up says what it is for and brings the admin back to the action, the reason still typed.
   */
  const adminStepUp = (actionOn: (user: string) => string, label: (user: string) => string) => {
    const userOf = (c: Context<GatewayEnv>) => s.canonicalUser(c.req.param('user') ?? '')
    return requireRecentVerification(
      s,
      (c) => urls.admin.user(userOf(c)),
      async (c) => {
        const user = userOf(c)
        const { reason } = await readForm(c, { reason: textField })
        const typed = reason.trim().slice(0, reasonMaxLength)
        return { action: actionOn(user), label: label(user), ...(typed === '' ? {} : { reason: typed }) }
      },
    )
  }
  const searchStepUp = requireRecentVerification(s, () => urls.admin.page)

  /** The user named in the path, spelled as sign-in spells it; null when tapgate never saw them. */
  async function knownUser(c: Context<GatewayEnv>): Promise<string | null> {
    const user = s.canonicalUser(c.req.param('user') ?? '')
    return user !== '' && (await s.users.isKnown(user)) ? user : null
  }

  /** The action on `user` a step-up interrupted, offered again on their page once (then forgotten). */
  async function takeInterrupted(c: Context<GatewayEnv>, user: string) {
    const { interrupted, ...session } = c.var.session
    if (!interrupted?.action.startsWith(`${urls.admin.user(user)}/`)) return undefined
    await s.sessions.save(c.var.sessionToken, session)
    return interrupted
  }

  function actOf(c: Context<GatewayEnv>): AdminAct {
    return { actor: c.var.session.user, origin: c.var.origin }
  }

  async function renderUser(
    c: Context<GatewayEnv>,
    user: string,
    status: 200 | 400,
    extra: { error?: string; issuedCode?: string } = {},
  ) {
    const [overview, resumed] = await Promise.all([userOverview(s, user), takeInterrupted(c, user)])
    const notice = noticeText(notices, c.req.query('notice'))
    const { page: historyPage } = readQuery(c, { page: pageNumber })
    const page = (
      <AdminUserPage
        urls={urls}
        csrfToken={c.var.csrfToken}
        user={user}
        factors={factorStandings(overview.factors)}
        keys={overview.factors.has.webauthn.map(({ name, aaguid, createdAt, lastUsedAt }) => ({
          name,
          model: s.webauthn?.settings.metadata?.names.get(aaguid) ?? null,
          createdAt,
          lastUsedAt,
        }))}
        recoveryCodesLeft={overview.factors.recoveryCodesLeft}
        noFactor={overview.factors.none}
        lockedUntil={overview.lockedUntil}
        lockedAddresses={overview.lockedAddresses}
        switchedOff={overview.factors.switchedOff.map((type) => factorLabels[type].many)}
        inviteMode={inviteMode}
        inviteExpiresAt={overview.inviteExpiresAt}
        history={pageOf(
          signInRows(
            overview.history.map((entry) => ({ ...entry, device: deviceLabel(entry.userAgent) })),
            signInWindow(s.config),
          ),
          historyPage,
          historyRowsPerPage,
        )}
        notice={notice}
        resumed={resumed}
        {...extra}
      />
    )
    return htmlPage(c, page, status)
  }

  routes.get('/', async (c) => {
    const query = (c.req.query('q') ?? '').slice(0, 200)
    const [users, lockedAddresses] = await Promise.all([s.users.list(query), s.regulator.lockedAddresses()])
    const page = (
      <AdminSearchPage
        urls={urls}
        csrfToken={c.var.csrfToken}
        query={query}
        users={users.slice(0, listLimit)}
        truncated={users.length > listLimit}
        lockedAddresses={lockedAddresses}
        notice={noticeText(notices, c.req.query('notice'))}
      />
    )
    return htmlPage(c, page)
  })

  routes.get('/users/:user', async (c) => {
    const user = await knownUser(c)
    if (user === null) return respondWithProblem(c, 'not_found', s)
    return renderUser(c, user, 200)
  })

  routes.post(
    '/users/:user/reset',
    adminStepUp(urls.admin.resetUser, (user) => `reset ${user}'s second factors`),
    async (c) => {
      const user = await knownUser(c)
      if (user === null) return respondWithProblem(c, 'not_found', s)
      const { reason } = await readForm(c, { reason: textField })
      const text = reason.trim()
      if (text === '') {
        return renderUser(c, user, 400, { error: 'Give a reason for the reset: it goes into their history.' })
      }
      if (text.length > reasonMaxLength) {
        return renderUser(c, user, 400, {
          error: `Keep the reason to ${reasonMaxLength} characters or fewer.`,
        })
      }
      await resetSecondFactors(s, user, { ...actOf(c), reason: text })
      return c.redirect(urls.admin.userNotice(user, 'reset'), 303)
    },
  )

  routes.post(
    '/users/:user/unlock',
    adminStepUp(urls.admin.unlockUser, (user) => `lift ${user}'s lockout`),
    async (c) => {
      const user = await knownUser(c)
      if (user === null) return respondWithProblem(c, 'not_found', s)
      const { reason } = await readForm(c, { reason: textField })
      const text = reason.trim().slice(0, reasonMaxLength)
      await liftLockout(s, user, { ...actOf(c), reason: text })
      return c.redirect(urls.admin.userNotice(user, 'unlocked'), 303)
    },
  )

  routes.post(
    '/users/:user/sign-out',
    adminStepUp(urls.admin.signOutUser, (user) => `sign ${user} out everywhere`),
    async (c) => {
      const user = await knownUser(c)
      if (user === null) return respondWithProblem(c, 'not_found', s)
      const { reason } = await readForm(c, { reason: textField })
      await signOutEverywhere(s, user, { ...actOf(c), reason: reason.trim().slice(0, reasonMaxLength) })
      return c.redirect(urls.admin.userNotice(user, 'signed_out'), 303)
    },
  )

  routes.post('/addresses/unlock', searchStepUp, async (c) => {
    const { address } = await readForm(c, { address: textField })
    const canonical = canonicalAddress(address.trim())
    if (isIP(canonical) === 0) return respondWithProblem(c, 'bad_request', s)
    await liftAddressLockout(s, canonical, actOf(c))
    return c.redirect(urls.admin.notice('address_unlocked'), 303)
  })

  routes.post(
    '/users/:user/invite',
    adminStepUp(urls.admin.inviteUser, (user) => `issue an enrollment code for ${user}`),
    async (c) => {
      if (!inviteMode) return respondWithProblem(c, 'not_found', s)
      const user = await knownUser(c)
      if (user === null) return respondWithProblem(c, 'not_found', s)
      // Rendered into this response only (no-store): the code is never in a URL, a log or the store.
      const issuedCode = await issueEnrollmentInvite(s, user, actOf(c))
      return renderUser(c, user, 200, { issuedCode })
    },
  )

  return routes
}

/** Admins are configured by username; anyone else with a verified session gets a plain 403. */
function onlyAdmins(s: Services): MiddlewareHandler<GatewayEnv> {
  return async function adminGuard(c, next) {
    if (!s.admins.has(c.var.session.user)) {
      s.log.warn({ event: 'admin_refused', user: c.var.session.user, path: c.req.path }, 'non-admin refused')
      return respondWithProblem(c, 'forbidden', s)
    }
    await next()
  }
}

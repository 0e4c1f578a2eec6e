import { type Context, Hono } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { recordFactorChange, showNewRecoveryCodes } from '../factor-setup/factor-changes.ts'
import { type EnrolledFactors, enrolledFactors } from '../factors/enrolled-factors.ts'
import { type FactorId, factorIds } from '../factors/factor-kinds.ts'
import { factorStandings } from '../factors/factor-standing.ts'
import { requireCsrf } from '../guards/require-csrf.ts'
import { requireSession } from '../guards/require-session.ts'
import { requireRecentVerification } from '../guards/step-up.ts'
import { pageOf } from '../history/page-of.ts'
import { historyRowsPerPage, signInRows, signInWindow } from '../history/sign-in-rows.ts'
import { pageNumber, readForm, readQuery, textField } from '../http/form.ts'
import { htmlPage } from '../http/html-page.tsx'
import { accountNotices, noticeText } from '../http/tapgate-urls.ts'
import { gatewayCookies } from '../proxy/panel-request.ts'
import type { Services } from '../services.ts'
import { deviceLabel } from '../session/trusted-devices.ts'
import { AccountPage, type AccountPageProps } from '../views/account-page.tsx'
import { type AccountData, factorPages, factorViews } from './factors/factor-pages.ts'

/**
 * `<prefix>/account`: a verified user's sign-in security: each offered factor's section and its
 * changes (routes/factors/; the last way to sign in cannot be removed), recovery codes, trusted
 * devices and history.
 */
export function accountRoutes(s: Services) {
  const { urls } = s
  const routes = new Hono<GatewayEnv>()
  routes.use('*', requireSession(s, 'two_factor'), requireCsrf(s))

  /** The page; a refusal in the banner, or at a factor's add form (then open). */
  async function render(
    c: Context<GatewayEnv>,
    status: 200 | 400,
    refusal?: { error: string } | { refused: FactorId; error: string },
  ) {
    const { user } = c.var.session
    const { page: historyPage } = readQuery(c, { page: pageNumber })
    const [factors, devices, history] = await Promise.all([
      enrolledFactors(s, user),
      s.trustedDevices.of(user),
      s.history.of(user),
    ])
    const currentDevice = s.trustedDevices.idOf(gatewayCookies(s, c.req.header('cookie')).device)
    const notice = noticeText(accountNotices, c.req.query('notice'))
    const page = (
      <AccountPage
        urls={urls}
        views={factorViews}
        username={c.var.session.user}
        csrfToken={c.var.csrfToken}
        factors={factorStandings(factors)}
        sections={accountSections(s, factors)}
        ways={factors.ways}
        recoveryCodesLeft={factors.recoveryCodesLeft}
        devices={devices.map(({ id, label, firstIp, createdAt, lastUsedAt, expiresAt }) => ({
          id,
          label,
          firstIp,
          createdAt,
          lastUsedAt,
          expiresAt,
          current: id === currentDevice,
        }))}
        history={pageOf(
          signInRows(
            history.map((entry) => ({ ...entry, device: deviceLabel(entry.userAgent) })),
            signInWindow(s.config),
          ),
          historyPage,
          historyRowsPerPage,
        )}
        {...(notice === undefined ? {} : { notice })}
        {...(refusal === undefined || 'refused' in refusal ? {} : { error: refusal.error })}
        {...(refusal !== undefined && 'refused' in refusal
          ? { refused: { factor: refusal.refused, error: refusal.error } }
          : {})}
      />
    )
    return htmlPage(c, page, status)
  }

  routes.get('/', (c) => render(c, 200))

  for (const id of factorIds) {
    const changes = factorPages[id].account.routes?.(s, render)
    if (changes !== undefined) routes.route('/', changes)
  }

  routes.post('/devices/revoke', async (c) => {
    const { id } = await readForm(c, { id: textField })
    if (!(await s.trustedDevices.revoke(c.var.session.user, id))) {
      return render(c, 400, { error: 'That device is not trusted (any more).' })
    }
    return c.redirect(urls.account.notice('device_revoked'), 303)
  })

  routes.post('/devices/revoke-all', async (c) => {
    await s.trustedDevices.revokeAll(c.var.session.user)
    return c.redirect(urls.account.notice('devices_revoked'), 303)
  })

  routes.post('/recovery-codes', requireRecentVerification(s), async (c) => {
    await recordFactorChange(c, s, 'recovery_code', 'regenerated')
    return c.redirect(await showNewRecoveryCodes(c, s, urls.account.notice('codes_created')), 303)
  })

  return routes
}

/** What each offered factor's section shows. */
function accountSections(s: Services, factors: EnrolledFactors): AccountPageProps['sections'] {
  const sections: { -readonly [K in FactorId]?: AccountData[K] } = {}
  const add = <K extends FactorId>(id: K) => {
    sections[id] = factorPages[id].account.section(s, factors)
  }
  for (const id of factors.offered) add(id)
  return sections
}

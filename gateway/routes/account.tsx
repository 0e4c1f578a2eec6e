import { type Context, Hono } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem } from '../errors.tsx'
import { recordFactorChange, showNewRecoveryCodes } from '../factor-setup/factor-changes.ts'
import { enrolledFactors } from '../factors/enrolled-factors.ts'
import { mapFactors } from '../factors/factor-kinds.ts'
import { factorStandings } from '../factors/factor-standing.ts'
import { mayRemove } from '../factors/last-way-in.ts'
import { maskPhoneNumber } from '../factors/sms/phone-number.ts'
import { requireCsrf } from '../guards/require-csrf.ts'
import { requireSession } from '../guards/require-session.ts'
import { requireRecentVerification } from '../guards/step-up.ts'
import { pageOf } from '../history/page-of.ts'
import { historyRowsPerPage, signInRows, signInWindow } from '../history/sign-in-rows.ts'
import { pageNumber, readForm, readQuery, textField } from '../http/form.ts'
import { htmlPage } from '../http/html-page.tsx'
import { type AccountNotice, noticeText } from '../http/tapgate-urls.ts'
import { yubikeyMessage } from '../messages/code-messages.ts'
import { gatewayCookies } from '../proxy/panel-request.ts'
import type { Services } from '../services.ts'
import { deviceLabel } from '../session/trusted-devices.ts'
import { attemptProof } from '../sign-in/attempt.ts'
import { AccountPage } from '../views/account-page.tsx'
import { authenticatorAppRoutes } from './authenticator-app.tsx'
import { smsAccountRoutes } from './sms-setup.tsx'

/** What the page says after a change (the query carries only the code: http/tapgate-urls.ts). */
const notices: Record<AccountNotice, string> = {
  key_added: 'Security key added.',
  key_renamed: 'Security key renamed.',
  key_removed: 'Security key removed.',
  codes_created: 'New recovery codes created. The old ones no longer work.',
  app_added: 'Authenticator app turned on.',
  app_replaced: 'New authenticator app turned on. Codes from the old one no longer work.',
  app_removed: 'Authenticator app removed.',
  yubikey_added: 'YubiKey added.',
  yubikey_removed: 'YubiKey removed.',
  sms_added: 'Text messages turned on.',
  sms_replaced: 'Phone number changed. Codes now go to the new number.',
  sms_removed: 'Text messages turned off.',
  device_revoked: 'That device will ask for the second step again.',
  devices_revoked: 'Every trusted device will ask for the second step again.',
}

const lastWayIn = 'You cannot remove your only way to sign in. Add another method first.'

/**
 * `<prefix>/account`: a verified user's sign-in methods: security keys (add, rename, remove) and
 * whether an authenticator app is on. The last way to sign in cannot be removed.
 */
export function accountRoutes(s: Services) {
  const { urls } = s
  const routes = new Hono<GatewayEnv>()
  routes.use('*', requireSession(s, 'two_factor'), requireCsrf(s))

  /** The page; a refusal in the banner (`error`) or at the YubiKey field, its form then open. */
  async function render(
    c: Context<GatewayEnv>,
    status: 200 | 400,
    error?: string,
    { addYubikeyError }: { addYubikeyError?: string } = {},
  ) {
    const { user } = c.var.session
    const { page: historyPage } = readQuery(c, { page: pageNumber })
    const [factors, devices, history] = await Promise.all([
      enrolledFactors(s, user),
      s.trustedDevices.of(user),
      s.history.of(user),
    ])
    const currentDevice = s.trustedDevices.idOf(gatewayCookies(s, c.req.header('cookie')).device)
    const notice = noticeText(notices, c.req.query('notice'))
    const page = (
      <AccountPage
        urls={urls}
        username={c.var.session.user}
        csrfToken={c.var.csrfToken}
        factors={factorStandings(factors)}
        hasTotp={factors.has.totp}
        keys={factors.has.webauthn.map(({ id, name, aaguid, createdAt, lastUsedAt }) => ({
          id,
          name,
          model: s.webauthn?.settings.metadata?.names.get(aaguid) ?? null,
          createdAt,
          lastUsedAt,
        }))}
        recoveryCodesLeft={factors.recoveryCodesLeft}
        yubikeys={factors.offered.includes('yubico_otp') ? factors.has.yubico_otp : null}
        sms={
          s.sms !== null && factors.offered.includes('sms')
            ? {
                maskedNumber: factors.has.sms === null ? null : maskPhoneNumber(factors.has.sms.number),
                addedAt: factors.has.sms?.addedAt ?? null,
                lastUsedAt: factors.has.sms?.lastUsedAt ?? null,
                fallbackOnly: factors.has.sms !== null && !s.sms.offeredAtSignIn(factors),
              }
            : null
        }
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
        removable={mapFactors((id) => mayRemove(factors.ways, id))}
        {...(notice === undefined ? {} : { notice })}
        {...(error === undefined ? {} : { error })}
        {...(addYubikeyError === undefined ? {} : { addYubikeyError })}
      />
    )
    return htmlPage(c, page, status)
  }

  routes.get('/', (c) => render(c, 200))

  routes.post('/keys/rename', async (c) => {
    const webauthn = s.webauthn
    if (!webauthn) return respondWithProblem(c, 'not_found', s)
    const { id, name } = await readForm(c, { id: textField, name: textField })
    const result = await webauthn.rename(c.var.session.user, id, name)
    if (!result.ok) {
      return render(
        c,
        400,
        result.reason === 'invalid_name'
          ? 'Give the key a name of at most 64 characters.'
          : 'That key is not registered.',
      )
    }
    await recordFactorChange(c, s, 'webauthn', 'renamed')
    return c.redirect(urls.account.notice('key_renamed'), 303)
  })

  routes.post('/keys/remove', requireRecentVerification(s), async (c) => {
    const webauthn = s.webauthn
    if (!webauthn) return respondWithProblem(c, 'not_found', s)
    const { user } = c.var.session
    const { id } = await readForm(c, { id: textField })
    if (!mayRemove((await enrolledFactors(s, user)).ways, 'webauthn')) return render(c, 400, lastWayIn)
    if (!(await webauthn.remove(user, id))) return render(c, 400, 'That key is not registered.')
    await recordFactorChange(c, s, 'webauthn', 'removed')
    return c.redirect(urls.account.notice('key_removed'), 303)
  })

  routes.post('/yubikeys/add', requireRecentVerification(s), async (c) => {
    const yubico = s.yubicoOtp
    if (!yubico) return respondWithProblem(c, 'not_found', s)
    const { otp, name } = await readForm(c, { otp: textField, name: textField })
    const { user } = c.var.session
    const first = (await enrolledFactors(s, user)).none
    const attempt = await attemptProof(c, s, { event: 'factor_changed', proof: 'yubico_otp' }, () =>
      yubico.enroll(user, otp, name),
    )
    if (attempt.lockedOut) return attempt.lockedOut
    if (!attempt.verdict.ok) {
      return render(c, 400, undefined, { addYubikeyError: yubikeyMessage(attempt.verdict.reason) })
    }
    await recordFactorChange(c, s, 'yubico_otp', 'added')
    const done = urls.account.notice('yubikey_added')
    // A first way in (enrollment skipped before) comes with recovery codes, as at enrollment.
    return c.redirect(first ? await showNewRecoveryCodes(c, s, done) : done, 303)
  })

  routes.post('/app/remove', requireRecentVerification(s), async (c) => {
    const { user } = c.var.session
    const factors = await enrolledFactors(s, user)
    if (!factors.has.totp) return render(c, 400, 'No authenticator app is set up.')
    if (!mayRemove(factors.ways, 'totp')) return render(c, 400, lastWayIn)
    await s.totp.remove(user)
    await recordFactorChange(c, s, 'totp', 'removed')
    return c.redirect(urls.account.notice('app_removed'), 303)
  })
  routes.route('/app', authenticatorAppRoutes(s))

  routes.post('/sms/remove', requireRecentVerification(s), async (c) => {
    const sms = s.sms
    if (!sms) return respondWithProblem(c, 'not_found', s)
    const { user } = c.var.session
    if (!mayRemove((await enrolledFactors(s, user)).ways, 'sms')) return render(c, 400, lastWayIn)
    if (!(await sms.removePhone(user))) return render(c, 400, 'No phone number is set up.')
    await recordFactorChange(c, s, 'sms', 'removed')
    return c.redirect(urls.account.notice('sms_removed'), 303)
  })
  routes.route('/sms', smsAccountRoutes(s))

  routes.post('/yubikeys/remove', requireRecentVerification(s), async (c) => {
    const yubico = s.yubicoOtp
    if (!yubico) return respondWithProblem(c, 'not_found', s)
    const { user } = c.var.session
    if (!mayRemove((await enrolledFactors(s, user)).ways, 'yubico_otp')) return render(c, 400, lastWayIn)
    const { id } = await readForm(c, { id: textField })
    if (!(await yubico.remove(user, id))) return render(c, 400, 'That YubiKey is not registered.')
    await recordFactorChange(c, s, 'yubico_otp', 'removed')
    return c.redirect(urls.account.notice('yubikey_removed'), 303)
  })

  routes.post('/devices/revoke', async (c) => {
    const { id } = await readForm(c, { id: textField })
    if (!(await s.trustedDevices.revoke(c.var.session.user, id))) {
      return render(c, 400, 'That device is not trusted (any more).')
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

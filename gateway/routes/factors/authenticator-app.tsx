import { Hono } from 'hono'
import type { GatewayEnv } from '../../context.ts'
import { recordEnrolled, recordFactorChange } from '../../factor-setup/factor-changes.ts'
import { offeredTotpSecret } from '../../factor-setup/offered-totp-secret.ts'
import { enrolledFactors } from '../../factors/enrolled-factors.ts'
import { mayRemove } from '../../factors/last-way-in.ts'
import { requireRecentVerification } from '../../guards/step-up.ts'
import { checkbox, readForm, textField } from '../../http/form.ts'
import { appCodeMessages } from '../../messages/code-messages.ts'
import { attemptProof } from '../../sign-in/attempt.ts'
import { completeSignIn, passSecondStep } from '../../sign-in/complete-sign-in.ts'
import { authenticatorAppViews } from '../../views/factors/authenticator-app.tsx'
import { authenticatorAppRoutes } from '../authenticator-app.tsx'
import { type FactorPages, lastWayIn, offeredWhenSetUp } from './factor-pages.ts'

/**
 * An app's code, posted to the 2fa page itself, and at enrollment to the enrollment page; the
 * account page sets one up, moves it to a new phone (routes/authenticator-app.tsx) or removes it.
 */
export const authenticatorAppPages: FactorPages<boolean> = {
  views: authenticatorAppViews,
  signIn: {
    offer: offeredWhenSetUp('totp'),
    routes(s, render) {
      return new Hono<GatewayEnv>().post('/', async (c) => {
        const { user } = c.var.session
        const secret = await s.totp.secretOf(user)
        if (secret === null) return c.redirect(s.urls.secondFactor.page, 303)
        const { code, trust_device: trust } = await readForm(c, { code: textField, trust_device: checkbox })
        const attempt = await attemptProof(c, s, { event: 'second_factor', proof: 'totp' }, () =>
          s.totp.check(user, secret, code),
        )
        if (attempt.lockedOut) return attempt.lockedOut
        const { verdict } = attempt
        if (verdict.ok) return c.redirect(await passSecondStep(c, s, 'totp', trust), 303)
        return render(c, await enrolledFactors(s, user), verdict.reason === 'malformed' ? 400 : 401, {
          shown: 'totp',
          error: appCodeMessages[verdict.reason],
        })
      })
    },
  },
  enrollment: {
    // The secret offered once per pending session (a reload shows the same QR code) counts only after
    // a correct code.
    routes(s, render) {
      return new Hono<GatewayEnv>().post('/', async (c) => {
        const { user } = c.var.session
        const secret = await offeredTotpSecret(c, s)
        const { code } = await readForm(c, { code: textField })
        const attempt = await attemptProof(c, s, { event: 'enrollment', proof: 'totp' }, () =>
          s.totp.check(user, secret, code),
        )
        if (attempt.lockedOut) return attempt.lockedOut
        const { verdict } = attempt
        if (!verdict.ok) {
          return render(c, verdict.reason === 'malformed' ? 400 : 401, {
            refused: 'totp',
            error: appCodeMessages[verdict.reason],
          })
        }
        // Another pending session of this user enrolled first: theirs stands, this one must verify against it.
        if (!(await s.totp.enroll(user, secret))) return c.redirect(s.urls.secondFactor.page, 303)
        await recordEnrolled(c, s, 'totp')
        return c.redirect(await completeSignIn(c, s, 'totp', { firstEnrollment: true }), 303)
      })
    },
  },
  account: {
    section: (_s, factors) => factors.has.totp,
    routes(s, render) {
      const routes = new Hono<GatewayEnv>()
      routes.post('/app/remove', requireRecentVerification(s), async (c) => {
        const { user } = c.var.session
        const factors = await enrolledFactors(s, user)
        if (!factors.has.totp) return render(c, 400, { error: 'No authenticator app is set up.' })
        if (!mayRemove(factors.ways, 'totp')) return render(c, 400, { error: lastWayIn })
        await s.totp.remove(user)
        await recordFactorChange(c, s, 'totp', 'removed')
        return c.redirect(s.urls.account.notice('app_removed'), 303)
      })
      return routes.route('/app', authenticatorAppRoutes(s))
    },
  },
}

import { Hono } from 'hono'
import type { GatewayEnv } from '../../context.ts'
import { respondWithProblem } from '../../errors.tsx'
import { recordFactorChange } from '../../factor-setup/factor-changes.ts'
import { enrolledFactors } from '../../factors/enrolled-factors.ts'
import { mayRemove } from '../../factors/last-way-in.ts'
import { maskPhoneNumber } from '../../factors/sms/phone-number.ts'
import { requireRecentVerification } from '../../guards/step-up.ts'
import type { AccountSms } from '../../views/account-sms.tsx'
import { textMessageViews } from '../../views/factors/text-messages.tsx'
import { smsChallengeFor, smsChallengeRoutes } from '../sms-challenge.ts'
import { smsAccountRoutes, smsEnrollmentRoutes } from '../sms-setup.tsx'
import { type FactorPages, lastWayIn } from './factor-pages.ts'

/**
 * A code sent on request, under `<prefix>/2fa/sms`; a number set up under `<prefix>/enroll/sms` or
 * `<prefix>/account/sms` (routes/sms-*.ts), and removed from the account page.
 */
export const textMessagePages: FactorPages<AccountSms> = {
  views: textMessageViews,
  signIn: {
    async offer(s, user, factors) {
      const sms = await smsChallengeFor(s, user, factors)
      return sms === null ? null : { sms }
    },
    routes: smsChallengeRoutes,
  },
  enrollment: {
    routes: (s) => new Hono<GatewayEnv>().route('/sms', smsEnrollmentRoutes(s)),
  },
  account: {
    section: (s, factors) => {
      const phone = factors.has.sms
      return {
        maskedNumber: phone === null ? null : maskPhoneNumber(phone.number),
        addedAt: phone?.addedAt ?? null,
        lastUsedAt: phone?.lastUsedAt ?? null,
        fallbackOnly: phone !== null && s.sms?.offeredAtSignIn(factors) === false,
      }
    },
    routes(s, render) {
      const routes = new Hono<GatewayEnv>()
      routes.post('/sms/remove', requireRecentVerification(s), async (c) => {
        const sms = s.sms
        if (!sms) return respondWithProblem(c, 'not_found', s)
        const { user } = c.var.session
        if (!mayRemove((await enrolledFactors(s, user)).ways, 'sms'))
          return render(c, 400, { error: lastWayIn })
        if (!(await sms.removePhone(user))) return render(c, 400, { error: 'No phone number is set up.' })
        await recordFactorChange(c, s, 'sms', 'removed')
        return c.redirect(s.urls.account.notice('sms_removed'), 303)
      })
      return routes.route('/sms', smsAccountRoutes(s))
    },
  },
}

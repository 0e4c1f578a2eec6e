import { Hono } from 'hono'
import type { GatewayEnv } from '../../context.ts'
import { smsChallengeFor, smsChallengeRoutes } from '../sms-challenge.ts'
import { smsEnrollmentRoutes } from '../sms-setup.tsx'
import type { FactorPages } from './factor-pages.ts'

/** A code sent on request, under `<prefix>/2fa/sms` and `<prefix>/enroll/sms` (routes/sms-*.ts). */
export const textMessagePages: FactorPages = {
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
}

import { smsChallengeFor, smsChallengeRoutes } from '../sms-challenge.ts'
import type { FactorPages } from './factor-pages.ts'

/** A code sent on request, under `<prefix>/2fa/sms` (routes/sms-challenge.ts). */
export const textMessagePages: FactorPages = {
  signIn: {
    async offer(s, user, factors) {
      const sms = await smsChallengeFor(s, user, factors)
      return sms === null ? null : { sms }
    },
    routes: smsChallengeRoutes,
  },
}

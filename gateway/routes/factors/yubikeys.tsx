import { Hono } from 'hono'
import type { GatewayEnv } from '../../context.ts'
import { respondWithProblem } from '../../errors.tsx'
import {
  recordEnrolled,
  recordFactorChange,
  showNewRecoveryCodes,
} from '../../factor-setup/factor-changes.ts'
import { enrolledFactors } from '../../factors/enrolled-factors.ts'
import { mayRemove } from '../../factors/last-way-in.ts'
import { requireRecentVerification } from '../../guards/step-up.ts'
import { checkbox, readForm, textField } from '../../http/form.ts'
import { yubikeyMessage } from '../../messages/code-messages.ts'
import { attemptProof } from '../../sign-in/attempt.ts'
import { completeSignIn, passSecondStep } from '../../sign-in/complete-sign-in.ts'
import type { AccountYubiKey } from '../../views/account-yubikeys.tsx'
import { yubiKeyViews } from '../../views/factors/yubikeys.tsx'
import { type FactorPages, lastWayIn, offeredWhenSetUp } from './factor-pages.ts'

/**
 * A YubiKey's tap, posted to `<prefix>/2fa/yubikey`; to register one, `<prefix>/enroll/yubikey`, or
 * from the account page, which removes them too.
 */
export const yubiKeyPages: FactorPages<readonly AccountYubiKey[]> = {
  views: yubiKeyViews,
  signIn: {
    offer: offeredWhenSetUp('yubico_otp'),
    routes(s, render) {
      return new Hono<GatewayEnv>().post('/yubikey', async (c) => {
        const yubico = s.yubicoOtp
        if (yubico === null) return respondWithProblem(c, 'not_found', s)
        const { user } = c.var.session
        const { otp, trust_device: trust } = await readForm(c, { otp: textField, trust_device: checkbox })
        const attempt = await attemptProof(c, s, { event: 'second_factor', proof: 'yubico_otp' }, () =>
          yubico.verify(user, otp),
        )
        if (attempt.lockedOut) return attempt.lockedOut
        const { verdict } = attempt
        if (verdict.ok) return c.redirect(await passSecondStep(c, s, 'yubico_otp', trust), 303)
        return render(c, await enrolledFactors(s, user), verdict.reason === 'malformed' ? 400 : 401, {
          shown: 'yubico_otp',
          error: yubikeyMessage(verdict.reason),
        })
      })
    },
  },
  enrollment: {
    routes(s, render) {
      return new Hono<GatewayEnv>().post('/yubikey', async (c) => {
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
          return render(c, verdict.reason === 'malformed' ? 400 : 401, {
            refused: 'yubico_otp',
            error: yubikeyMessage(verdict.reason),
          })
        }
        await recordEnrolled(c, s, 'yubico_otp')
        return c.redirect(await completeSignIn(c, s, 'yubico_otp', { firstEnrollment: true }), 303)
      })
    },
  },
  account: {
    section: (_s, factors) => factors.has.yubico_otp,
    routes(s, render) {
      const routes = new Hono<GatewayEnv>()
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
          return render(c, 400, { refused: 'yubico_otp', error: yubikeyMessage(attempt.verdict.reason) })
        }
        await recordFactorChange(c, s, 'yubico_otp', 'added')
        const done = s.urls.account.notice('yubikey_added')
        // A first way in (enrollment skipped before) comes with recovery codes, as at enrollment.
        return c.redirect(first ? await showNewRecoveryCodes(c, s, done) : done, 303)
      })
      routes.post('/yubikeys/remove', requireRecentVerification(s), async (c) => {
        const yubico = s.yubicoOtp
        if (!yubico) return respondWithProblem(c, 'not_found', s)
        const { user } = c.var.session
        if (!mayRemove((await enrolledFactors(s, user)).ways, 'yubico_otp')) {
          return render(c, 400, { error: lastWayIn })
        }
        const { id } = await readForm(c, { id: textField })
        if (!(await yubico.remove(user, id)))
          return render(c, 400, { error: 'That YubiKey is not registered.' })
        await recordFactorChange(c, s, 'yubico_otp', 'removed')
        return c.redirect(s.urls.account.notice('yubikey_removed'), 303)
      })
      return routes
    },
  },
}

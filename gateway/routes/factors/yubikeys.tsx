import { Hono } from 'hono'
import type { GatewayEnv } from '../../context.ts'
import { respondWithProblem } from '../../errors.tsx'
import { recordEnrolled } from '../../factor-setup/factor-changes.ts'
import { enrolledFactors } from '../../factors/enrolled-factors.ts'
import { checkbox, readForm, textField } from '../../http/form.ts'
import { yubikeyMessage } from '../../messages/code-messages.ts'
import { attemptProof } from '../../sign-in/attempt.ts'
import { completeSignIn, passSecondStep } from '../../sign-in/complete-sign-in.ts'
import { type FactorPages, offeredWhenSetUp } from './factor-pages.ts'

/** A YubiKey's tap, posted to `<prefix>/2fa/yubikey` and, to register it, `<prefix>/enroll/yubikey`. */
export const yubiKeyPages: FactorPages = {
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
}

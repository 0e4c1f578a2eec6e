import { type Context, Hono, type MiddlewareHandler } from 'hono'
import { describeDuration } from '../config/duration.ts'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem } from '../errors.tsx'
import { recordEnrolled, recordFactorChange, showNewRecoveryCodes } from '../factor-setup/factor-changes.ts'
import { recordSend } from '../factor-setup/sms-sends.ts'
import { enrolledFactors } from '../factors/enrolled-factors.ts'
import { checkPhoneNumber, maskPhoneNumber } from '../factors/sms/phone-number.ts'
import type { SmsFactor } from '../factors/sms/sms-factor.ts'
import { requireRecentVerification } from '../guards/step-up.ts'
import { checkbox, readForm, textField } from '../http/form.ts'
import { htmlPage } from '../http/html-page.tsx'
import { codeRefusal, phoneNumberMessages, sendRefusal } from '../messages/sms-messages.ts'
import type { Services } from '../services.ts'
import { attemptProof } from '../sign-in/attempt.ts'
import { completeSignIn } from '../sign-in/complete-sign-in.ts'
import { refuseIfLockedOut } from '../sign-in/lockout-refusal.ts'
import { SmsSetupPage, type SmsSetupPageProps } from '../views/sms-setup-page.tsx'

type Errors = Pick<SmsSetupPageProps, 'number' | 'numberError' | 'codeError' | 'sendError'>

/** Where the two set-up flows differ: the first way in at enrollment, or a change on the account page. */
interface SetupFlow {
  /**
   * `enroll` counts refused codes toward the lockout and refuses a locked-out user, as TOTP
   * enrollment does; `account` is a verified user's change.
   */
  kind: 'enroll' | 'account'
  /** Where its forms post: the code (the mount path, e.g. `/_tapgate/enroll/sms`) and "Send code". */
  actions: { code: string; send: string }
  back: { href: string; label: string }
  /** Runs before every route of the flow (the account's step-up). */
  guard?: MiddlewareHandler<GatewayEnv>
  /** The number was proven: make it the user's and answer. */
  finish(c: Context<GatewayEnv>, sms: SmsFactor, number: string): Promise<Response>
}

/** `<prefix>/enroll/sms`: text messages as the first factor; mounted inside the enrollment routes. */
export function smsEnrollmentRoutes(s: Services) {
  const { urls } = s
  return smsSetupRoutes(s, {
    kind: 'enroll',
    actions: { code: urls.enroll.sms, send: urls.enroll.smsSend },
    back: { href: urls.enroll.page, label: 'Choose another way' },
    async finish(c, sms, number) {
      await sms.setPhone(c.var.session.user, number)
      await recordEnrolled(c, s, 'sms')
      return c.redirect(await completeSignIn(c, s, 'sms', { firstEnrollment: true }), 303)
    },
  })
}

/**
 * `<prefix>/account/sms`: set up text messages, or move them to a new number (the old one works until
 * the new one is proven). Mounted inside the account routes; needs a recent second factor.
 */
export function smsAccountRoutes(s: Services) {
  const { urls } = s
  return smsSetupRoutes(s, {
    kind: 'account',
    actions: { code: urls.account.sms, send: urls.account.smsSend },
    back: { href: urls.account.page, label: 'Back to your account' },
    guard: requireRecentVerification(s, () => urls.account.sms),
    async finish(c, sms, number) {
      const before = await enrolledFactors(s, c.var.session.user)
      await sms.setPhone(c.var.session.user, number)
      await recordFactorChange(c, s, 'sms', before.has.sms === null ? 'added' : 'replaced')
      const done = urls.account.notice(before.has.sms === null ? 'sms_added' : 'sms_replaced')
      // A first way in (enrollment skipped before) comes with recovery codes, as at enrollment.
      return c.redirect(before.none ? await showNewRecoveryCodes(c, s, done) : done, 303)
    },
  })
}

/**
 * The number, "Send code" (a `register` code to the new number), then the code. Nothing counts until
 * the code is entered: the outstanding code holds the number, sealed, and dies with it.
 */
function smsSetupRoutes(s: Services, flow: SetupFlow) {
  const { urls } = s
  const event = flow.kind === 'enroll' ? 'enrollment' : 'factor_changed'
  const routes = new Hono<GatewayEnv>()

  /** The factor, when the operator allows it for this user; else the page does not exist for them. */
  routes.use('*', async function smsAllowed(c, next) {
    const { user } = c.var.session
    if (s.sms === null || !s.sms.allows(user, s.groups.groupsOf(user))) {
      return respondWithProblem(c, 'not_found', s)
    }
    await next()
  })
  if (flow.guard) routes.use('*', flow.guard)

  async function render(c: Context<GatewayEnv>, status: 200 | 400 | 401 | 429 | 503, errors: Errors = {}) {
    const sms = s.sms as SmsFactor
    const { user } = c.var.session
    // "Use a different number" shows the number field; a code already sent stays valid until replaced.
    const changing = c.req.method === 'GET' && c.req.query('number') === 'new'
    const outstanding = changing || errors.numberError ? null : await sms.outstanding(user, 'register')
    const current = (await enrolledFactors(s, user)).has.sms
    const page = (
      <SmsSetupPage
        urls={urls}
        username={user}
        csrfToken={c.var.csrfToken}
        actions={flow.actions}
        purpose={flow.kind === 'enroll' ? 'enroll' : current === null ? 'add' : 'change'}
        validFor={describeDuration(sms.settings.codeTtlMs)}
        pending={
          outstanding === null
            ? null
            : {
                maskedNumber: maskPhoneNumber(outstanding.number),
                resendInSeconds: Math.ceil((await sms.resendInMs(user, 'register')) / 1000),
              }
        }
        back={flow.back}
        {...errors}
      />
    )
    return htmlPage(c, page, status)
  }

  routes.get('/', (c) => render(c, 200))

  // A new number ("phone"), or "Resend code" to the number a code is waiting for.
  routes.post('/send', async (c) => {
    const sms = s.sms as SmsFactor
    const { user } = c.var.session
    const lockedOut = await refuseIfLockedOut(c, s, { event, factor: 'sms' })
    if (lockedOut) return lockedOut
    const { phone, resend } = await readForm(c, { phone: textField, resend: checkbox })
    let number: string
    if (resend) {
      const outstanding = await sms.outstanding(user, 'register')
      if (outstanding === null) return render(c, 400, { numberError: phoneNumberMessages.empty })
      number = outstanding.number
    } else {
      const checked = checkPhoneNumber(phone)
      if (!checked.ok)
        return render(c, 400, { number: phone, numberError: phoneNumberMessages[checked.problem] })
      number = checked.number
    }
    const result = await sms.send(user, 'register', number)
    await recordSend(c, s, 'enrollment', number, result)
    if (result.ok) {
      // At enrollment the sign-in is still pending: it lives as long as the code does.
      await s.sessions.keepPendingUntil(c.var.sessionToken, c.var.session, result.expiresAt)
      return c.redirect(flow.actions.code, 303)
    }
    const status = result.reason === 'not_delivered' ? 503 : 429
    const message = sendRefusal(result, 'setup')
    // A first send that failed shows the number again, so it can be corrected or sent once more.
    const typed = resend ? undefined : { number: phone }
    return render(c, status, { ...typed, sendError: message })
  })

  routes.post('/', async (c) => {
    const sms = s.sms as SmsFactor
    const { user } = c.var.session
    const { code } = await readForm(c, { code: textField })
    const attempt = await attemptProof(c, s, { event, proof: 'sms' }, () =>
      sms.verify(user, 'register', code),
    )
    if (attempt.lockedOut) return attempt.lockedOut
    const { verdict } = attempt
    if (verdict.ok) return flow.finish(c, sms, verdict.number)
    const refusal = codeRefusal(verdict)
    return render(
      c,
      verdict.reason === 'malformed' ? 400 : 401,
      refusal.field ? { codeError: refusal.message } : { sendError: refusal.message },
    )
  })

  return routes
}

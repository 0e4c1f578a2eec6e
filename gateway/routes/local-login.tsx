import { randomBytes } from 'node:crypto'
import { type Context, Hono } from 'hono'
import { serialize } from 'hono/utils/cookie'
import { describeDuration } from '../config/duration.ts'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem } from '../errors.tsx'
import type { FactorId } from '../factors/factor-kinds.ts'
import { withoutSeparators } from '../factors/typed-code.ts'
import { refused, type Verdict } from '../factors/verdict.ts'
import { parseOtp } from '../factors/yubico-otp/otp.ts'
import { canonicalUsername } from '../first-factor/canonical-username.ts'
import type { LocalUsers } from '../first-factor/local-users.ts'
import { secondFactorSkip } from '../first-factor/second-factor-skip.ts'
import { loginCsrfScope, loginFormCookieName, loginFormIdOf } from '../guards/login-form.ts'
import { refuseForm } from '../guards/require-csrf.ts'
import type { RequestOrigin } from '../history/login-history.ts'
import { setSessionCookie } from '../http/cookies.ts'
import { checkbox, readForm, textField } from '../http/form.ts'
import { htmlPage } from '../http/html-page.tsx'
import { safeRedirectTarget } from '../http/redirect-target.ts'
import { gatewayCookies } from '../proxy/panel-request.ts'
import type { Services } from '../services.ts'
import { isWellFormedToken } from '../session/token.ts'
import { attemptProof } from '../sign-in/attempt.ts'
import { completeSignIn } from '../sign-in/complete-sign-in.ts'
import { lockoutDetail, passwordLockout, recordLockedOut } from '../sign-in/lockout-refusal.ts'
import { LoginPage } from '../views/login-page.tsx'

const wrongCredentials = 'The username, password or code is not correct.'
const missingCredentials = 'Enter your username and password.'

/** The sign-in form: the password, and (with the code typed alongside) the app's code. */
const signInForm = {
  csrf: textField,
  rd: textField,
  username: textField,
  password: textField,
  token: textField,
  trust_device: checkbox,
}

/**
 * `<prefix>/login` (first_factor.mode: local): tapgate's own sign-in over the users file. The password
 * opens a pending session and the 2fa page follows, unless the optional "Authentication token" field
 * already holds a good code or YubiKey tap (one step, as hosting panels offer), the user is exempt, or
 * this browser is trusted. A refusal never says which part was wrong. With
 * `factors.webauthn.passwordless` the page also offers a passkey instead (routes/passkey-sign-in.ts).
 *
 * No session exists yet to bind a CSRF token to, so the form's token is bound to a random id in a
 * short-lived cookie on this path (login CSRF: a forged form must not sign a victim into another account).
 */
export function localLoginRoutes(s: Services, users: LocalUsers) {
  const { urls } = s
  const formCookie = loginFormCookieName(s.config)
  // "Sign in with a passkey" (factors.webauthn.passwordless): the endpoint the page's script calls.
  const passkeyEndpoint = s.webauthn?.settings.passwordless ? urls.passkeySignIn : null
  const trustFor = s.config.trusted_devices.enabled
    ? describeDuration(s.config.trusted_devices.lifetime)
    : null
  const routes = new Hono<GatewayEnv>()

  function render(
    c: Context<GatewayEnv>,
    status: 200 | 400 | 401,
    form: { returnTo: string | null; username?: string; error?: string },
  ) {
    let formId = loginFormIdOf(c, s.config)
    if (formId === null) {
      formId = randomBytes(16).toString('base64url')
      c.header(
        'Set-Cookie',
        serialize(formCookie, formId, {
          path: urls.login,
          httpOnly: true,
          secure: s.cookie.secure,
          sameSite: 'Strict',
        }),
        { append: true },
      )
    }
    const page = (
      <LoginPage
        urls={urls}
        csrfToken={s.csrf.tokenFor(loginCsrfScope(formId))}
        trustFor={trustFor}
        tokenField={true}
        passkeyEndpoint={passkeyEndpoint}
        {...form}
      />
    )
    return htmlPage(c, page, status)
  }

  routes.get('/', (c) => render(c, 200, { returnTo: safeRedirectTarget(c.req.query('rd'), s.publicOrigin) }))

  routes.post('/', async (c) => {
    const formId = loginFormIdOf(c, s.config)
    const sameOrigin = s.csrf.isSameOrigin(c.req.header('sec-fetch-site'), c.req.header('origin'))
    const form = sameOrigin ? await readForm(c, signInForm) : null
    if (form === null || formId === null || !s.csrf.verify(loginCsrfScope(formId), form.csrf)) {
      return refuseForm(c, s, sameOrigin)
    }
    const returnTo = safeRedirectTarget(form.rd, s.publicOrigin)
    const typedName = form.username.slice(0, 256)
    const user = canonicalUsername(typedName, s.config.first_factor.case_sensitive_usernames)
    const { password } = form
    if (user === '' || password === '') {
      return render(c, 400, { returnTo, username: typedName, error: missingCredentials })
    }
    const ip = c.var.clientIp
    const origin = c.var.origin
    const known = users.find(user) !== null
    const { session: oldToken, device } = gatewayCookies(s, c.req.header('cookie'))
    const lockout = await passwordLockout(s, user, ip, device)
    if (lockout !== null) {
      const attempt = {
        event: 'first_factor',
        factor: 'password',
        known: known || (await s.users.isKnown(user)),
      } as const
      await recordLockedOut(s, user, origin, lockout, attempt)
      return respondWithProblem(c, 'locked', s, lockoutDetail(s, lockout))
    }
    if ((await users.checkPassword(user, password.slice(0, 1024))) === null) {
      await recordAttempt(s, user, known, origin, { event: 'first_factor', result: 'wrong_password' })
      await s.regulator.recordFailure(user, ip, 'password')
      return render(c, 401, { returnTo, username: typedName, error: wrongCredentials })
    }

    if (isWellFormedToken(oldToken)) await s.sessions.destroy(oldToken)
    await s.users.remember(user)
    await s.history.record(user, origin, { event: 'first_factor', factor: 'password', result: 'success' })
    const destination = returnTo ?? '/'

    const skip = await secondFactorSkip(s, user, device)
    if (skip !== null) {
      const token = await s.sessions.create({ user, level: 'two_factor' })
      await s.regulator.recordSuccess(user, ip)
      await s.history.record(user, origin, { event: 'second_factor', factor: skip, result: 'success' })
      c.header('Set-Cookie', setSessionCookie(s.cookie, token), { append: true })
      return c.redirect(destination, 303)
    }

    const token = await s.sessions.create({ user, level: 'first_factor', returnTo: destination })
    const code = withoutSeparators(form.token)
    if (code === '') {
      c.header('Set-Cookie', setSessionCookie(s.cookie, token), { append: true })
      return c.redirect(urls.secondFactor.page, 303)
    }
    // The code came with the password: checked here, and a wrong one refuses the whole form.
    const session = await s.sessions.load(token)
    if (session === null) return respondWithProblem(c, 'session_expired', s)
    c.set('session', session)
    c.set('sessionToken', token)
    const typed = typedCode(s, user, code)
    const attempt = await attemptProof(c, s, { event: 'second_factor', proof: typed.proof }, typed.check)
    if (attempt.lockedOut === null && attempt.verdict.ok) {
      const trustDevice = form.trust_device
      return c.redirect(await completeSignIn(c, s, typed.proof, { trustDevice }), 303)
    }
    await s.sessions.destroy(token)
    return attempt.lockedOut ?? render(c, 401, { returnTo, username: typedName, error: wrongCredentials })
  })

  return routes
}

/** The typed token: a YubiKey tap (modhex, 32+ characters) or a code from the authenticator app. */
function typedCode(
  s: Services,
  user: string,
  code: string,
): { proof: FactorId; check: () => Promise<Verdict<string>> } {
  const yubico = s.yubicoOtp
  if (yubico !== null && parseOtp(code) !== null) {
    return { proof: 'yubico_otp', check: () => yubico.verify(user, code) }
  }
  return {
    proof: 'totp',
    async check() {
      const secret = await s.totp.secretOf(user)
      return secret === null ? refused('not_enrolled') : s.totp.check(user, secret, code)
    },
  }
}

/**
 * A refused sign-in goes into the history of users tapgate knows (in the users file, or seen before);
 * for any other name only into the log, so made-up usernames cannot fill the store.
 */
async function recordAttempt(
  s: Services,
  user: string,
  known: boolean,
  origin: RequestOrigin,
  fields: { event: 'first_factor'; result: string },
) {
  if (known || (await s.users.isKnown(user)))
    await s.history.record(user, origin, { ...fields, factor: 'password' })
  else s.history.recordUnknownUser(user, origin, fields.result)
}

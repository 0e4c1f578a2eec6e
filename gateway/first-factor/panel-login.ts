import type { IncomingMessage, ServerResponse } from 'node:http'
import { sendProblem } from '../errors.tsx'
import { type RequestOrigin, requestOrigin } from '../history/login-history.ts'
import { setSessionCookie } from '../http/cookies.ts'
import { safeRedirectTarget } from '../http/redirect-target.ts'
import { relayResponse } from '../proxy/forward-request.ts'
import { type ClientFacts, gatewayCookies, panelRequestHeaders } from '../proxy/panel-request.ts'
import { sendUpstreamFailure } from '../proxy/upstream-failure.ts'
import type { Services } from '../services.ts'
import { sealHeldCookies } from '../session/held-cookies.ts'
import { isWellFormedToken } from '../session/token.ts'
import { canonicalUsername } from './canonical-username.ts'
import { readLoginForm, usernameFromLoginForm } from './login-form.ts'
import { secondFactorSkip } from './second-factor-skip.ts'

/**
 * The panel's own login POST (DESIGN "Request flow", step 2). tapgate forwards it and reads the answer:
 * a failure goes back to the browser as it is and counts against the user and IP; a success has its
 * cookies held back in a pending session, and the browser is sent to the second factor instead.
 */
export async function handlePanelLogin(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  s: Services,
  target: string,
  facts: ClientFacts,
): Promise<void> {
  const { prefix, first_factor: settings } = s.config
  const body = await readLoginForm(incoming, settings.max_body)
  if (body === null) return sendProblem(incoming, outgoing, 'body_too_large', prefix)
  const rawUsername = usernameFromLoginForm(body, incoming.headers['content-type'], settings.username_field)
  if (rawUsername === null) return sendProblem(incoming, outgoing, 'bad_request', prefix)
  const user = canonicalUsername(rawUsername, settings.case_sensitive_usernames)
  const origin = requestOrigin(incoming, facts.clientIp)
  if ((await s.regulator.bannedFor(user, facts.clientIp)) > 0) {
    await recordRefusal(s, user, origin, 'locked_out')
    return sendProblem(incoming, outgoing, 'locked', prefix)
  }

  const { session: oldToken, device, panel: cookie } = gatewayCookies(s, incoming.headers.cookie)
  const headers = panelRequestHeaders(s, incoming, facts, cookie)
  headers['content-length'] = String(body.length)
  let answer: IncomingMessage
  try {
    answer = await s.upstream.send({ method: 'POST', target, headers, body })
  } catch (error) {
    return sendUpstreamFailure(incoming, outgoing, s, error, settings.login_path)
  }

  const setCookies = answer.headers['set-cookie'] ?? []
  const location = answer.headers.location
  if (!s.loginSucceeded({ status: answer.statusCode ?? 0, setCookies, location })) {
    await recordRefusal(s, user, origin, 'wrong_password')
    await s.regulator.recordFailure(user, facts.clientIp, 'password')
    relayResponse(answer, outgoing)
    return
  }

  if (isWellFormedToken(oldToken)) await s.sessions.destroy(oldToken)
  await s.users.remember(user)
  await s.history.record(user, origin, { event: 'first_factor', factor: 'password', result: 'success' })

  // A service account exempt from 2FA, or a browser this user trusted, skips the second factor: the
  // panel's own answer goes through as it is.
  const skip = await secondFactorSkip(s, user, device)
  if (skip !== null) {
    const token = await s.sessions.create({ user, level: 'two_factor' })
    await s.regulator.recordSuccess(user)
    await s.history.record(user, origin, { event: 'second_factor', factor: skip, result: 'success' })
    relayResponse(answer, outgoing, [setSessionCookie(s.cookie, token)])
    return
  }

  // The panel's answer is replaced: its body is not needed, its cookies wait for the second factor.
  answer.resume()
  const token = await s.sessions.create({
    user,
    level: 'first_factor',
    heldCookies: sealHeldCookies(s.box, user, setCookies),
    ...optional('returnTo', safeRedirectTarget(panelPath(location, s.config.upstream.url), s.publicOrigin)),
  })
  outgoing
    .writeHead(303, {
      Location: `${prefix}/2fa`,
      'Set-Cookie': setSessionCookie(s.cookie, token),
      'Cache-Control': 'no-store',
      'Content-Length': 0,
    })
    .end()
}

/**
 * A refused password goes into the history of users tapgate knows; for any other name only into the
 * log, so that made-up usernames cannot fill the store.
 */
async function recordRefusal(s: Services, user: string, origin: RequestOrigin, result: string) {
  const fields = { event: 'first_factor', factor: 'password', result } as const
  if (await s.users.isKnown(user)) await s.history.record(user, origin, fields)
  else s.history.recordUnknownUser(user, origin, result)
}

/** The panel may answer with an absolute Location on its own (internal) origin: keep only the path. */
function panelPath(location: string | undefined, upstreamUrl: string): string | undefined {
  if (location === undefined) return undefined
  const upstreamOrigin = new URL(upstreamUrl).origin
  return location.startsWith(`${upstreamOrigin}/`) ? location.slice(upstreamOrigin.length) : location
}

function optional<K extends string>(key: K, value: string | null): { [P in K]?: string } {
  return (value === null ? {} : { [key]: value }) as { [P in K]?: string }
}

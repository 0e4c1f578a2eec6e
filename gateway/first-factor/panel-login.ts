import type { IncomingMessage, ServerResponse } from 'node:http'
import { sendProblem } from '../errors.tsx'
import { type RequestOrigin, requestOrigin } from '../history/login-history.ts'
import { clearSessionCookie, setSessionCookie } from '../http/cookies.ts'
import { safeRedirectTarget } from '../http/redirect-target.ts'
import { returnTargetOf } from '../http/return-cookie.ts'
import { cookiesSetBy } from '../http/set-cookie.ts'
import type { PanelCookieChange } from '../panel-session/panel-cookies.ts'
import { applyChanges, type PanelJar, withJar } from '../panel-session/panel-jar.ts'
import { relayResponse, sendAnswer } from '../proxy/forward-request.ts'
import { downstreamResponseHeaders } from '../proxy/header-hygiene.ts'
import { type ClientFacts, type PanelRequestParts, panelRequestHeaders } from '../proxy/panel-request.ts'
import type { UpstreamAnswer } from '../proxy/upstream-answer.ts'
import { sendUpstreamFailure } from '../proxy/upstream-failure.ts'
import type { Services } from '../services.ts'
import { sealHeldCookies } from '../session/held-cookies.ts'
import { isWellFormedToken } from '../session/token.ts'
import {
  type LockoutParts,
  lockoutDetail,
  passwordLockout,
  recordLockedOut,
} from '../sign-in/lockout-refusal.ts'
import { readConfirmedIdentity } from './confirm-identity.ts'
import type { LoginReading } from './login-request.ts'
import { checkUsername } from './login-username.ts'
import { type SkipParts, secondFactorSkip } from './second-factor-skip.ts'

/** What this file uses of the services. */
export type PanelLoginParts = Pick<
  Services,
  | 'box'
  | 'canonicalUser'
  | 'config'
  | 'cookie'
  | 'history'
  | 'look'
  | 'log'
  | 'loginFailed'
  | 'returnCookie'
  | 'loginSucceeded'
  | 'panelCookies'
  | 'panelJars'
  | 'publicOrigin'
  | 'regulator'
  | 'sessions'
  | 'upstream'
  | 'urls'
  | 'users'
  | 'limits'
  | 'metrics'
> &
  LockoutParts &
  PanelRequestParts &
  SkipParts

/** One request to the panel as tapgate sees it: who sent it, and the cookies it carried. */
export interface PanelExchange {
  incoming: IncomingMessage
  outgoing: ServerResponse
  facts: ClientFacts
  /** The client's tapgate session and trusted-device tokens. */
  sessionToken: string | undefined
  deviceToken: string | undefined
  /** The page the browser asked for before it was sent to sign in (http/return-cookie.ts), raw. */
  returnTo: string | undefined
  /** The client's other cookies, without tapgate's and without any panel session cookie. */
  browserCookies: string | undefined
}

/** How much of a panel answer tapgate reads to find whom it signed in (JSON body, who-am-I page). */
const identityEvidenceLimit = 256 * 1024

/**
 * The login's body is tapgate's re-written copy, with its own length and type. The answer may be read
 * for whom it signed in: it is asked for uncompressed. The password is in the body: credentials in an
 * Authorization header would be a second login.
 */
const loginOmits: ReadonlySet<string> = new Set([
  'content-length',
  'content-type',
  'accept-encoding',
  'authorization',
])
/** The who-am-I GET carries no body, and asks for a page or JSON it can read. */
const askOmits: ReadonlySet<string> = new Set(['content-length', 'content-type', 'accept-encoding', 'accept'])

/**
 * The panel's login (DESIGN "Request flow", step 2), parsed strictly by login-request.ts. The panel
 * receives exactly the login tapgate read (re-serialised, the one username tapgate bound) and no
 * session cookie. A failure goes back without any panel session cookie and counts against the user
 * and IP; a success is handed to `acceptPanelSignIn`.
 */
export async function handlePanelLogin(
  exchange: PanelExchange,
  s: PanelLoginParts,
  path: string,
  reading: Extract<LoginReading, { kind: 'login' }>,
): Promise<void> {
  const { incoming, outgoing, facts } = exchange
  const typed = s.canonicalUser(reading.username)
  const origin = requestOrigin(incoming, facts.clientIp)
  const lockout = await passwordLockout(s, typed, facts.clientIp, exchange.deviceToken)
  if (lockout !== null) {
    const attempt = {
      event: 'first_factor',
      factor: 'password',
      known: await s.users.isKnown(typed),
    } as const
    await recordLockedOut(s, typed, origin, lockout, attempt)
    return sendProblem(incoming, outgoing, 'locked', s, lockoutDetail(s, lockout))
  }

  const headers = panelRequestHeaders(s, incoming, facts, exchange.browserCookies, null, loginOmits)
  if (reading.body !== null) {
    headers.push('content-length', String(reading.body.length))
    if (reading.contentType !== undefined) headers.push('content-type', reading.contentType)
  }
  const method = incoming.method ?? 'POST'
  let answer: UpstreamAnswer
  try {
    answer = await s.upstream.send({ method, target: path + reading.query, headers, body: reading.body })
  } catch (error) {
    return sendUpstreamFailure(incoming, outgoing, s, error, path)
  }

  const setCookies = answer.headers['set-cookie'] ?? []
  const { changes, others } = s.panelCookies.split(setCookies)
  const judged = { status: answer.statusCode, setCookies, location: answer.headers.location }
  if (!s.loginSucceeded(judged)) {
    if (changes.some((change) => change.value !== null)) {
      // The panel started a session, so the password was right and the operator's success rule is
      // wrong: nothing of the answer is released, and nothing counts against the user.
      s.log.warn(
        { event: 'login_verdict_mismatch', user: typed, status: answer.statusCode, path },
        'the panel set its session cookie on an answer first_factor.success calls a failure',
      )
      return refusePanelSession(exchange, s, answer)
    }
    if (!s.loginFailed(judged)) {
      // The panel refused the request before judging the password (its own CSRF check, a rate limit,
      // an error): no guess was made, so nothing counts against the user.
      s.log.warn(
        { event: 'login_not_judged', user: typed, status: answer.statusCode, path },
        'the panel answered a login with neither first_factor.success nor first_factor.failure',
      )
      return relayWithoutPanelCookies(s, answer, outgoing)
    }
    await recordRefusal(s, typed, origin, 'wrong_password')
    await s.regulator.recordFailure(typed, facts.clientIp, 'password')
    return relayWithoutPanelCookies(s, answer, outgoing)
  }
  await acceptPanelSignIn(exchange, s, { typed, answer, changes, others, origin })
}

/** A panel answer that signed someone in: what it set, and whom the request named. */
export interface PanelSignIn {
  /** The username the request named, canonical. */
  typed: string
  answer: UpstreamAnswer
  changes: readonly PanelCookieChange[]
  /** The answer's other Set-Cookie values. */
  others: readonly string[]
  origin: RequestOrigin
}

/**
 * The panel signed someone in. Whom is confirmed from its own answer where the operator says how
 * (`confirm_identity`); a different user than the one typed is refused. The panel's session cookies
 * go into a new gateway session's jar, never to the browser: a pending one (the browser goes on to the
 * second factor), or at once a verified one for an exempt user or a trusted browser.
 */
export async function acceptPanelSignIn(exchange: PanelExchange, s: PanelLoginParts, signIn: PanelSignIn) {
  const { incoming, outgoing } = exchange
  const { typed, answer, origin } = signIn
  const jar = applyChanges({}, signIn.changes)
  // A who-am-I page is asked as the browser will be: with the answer's other cookies (a PHP panel's
  // own session id, when the browser had none) beside the held ones.
  const evidence = panelEvidence(exchange, s, answer, { ...cookiesSetBy(signIn.others), ...jar })
  const confirmed = await confirmIdentity(s, evidence)
  if (confirmed !== undefined && confirmed !== typed) {
    answer.discard()
    s.log.warn(
      { event: confirmed === null ? 'identity_unconfirmed' : 'identity_mismatch', typed, confirmed },
      'the panel did not confirm that it signed in the user who was typed',
    )
    await recordRefusal(s, typed, origin, 'identity_mismatch')
    return sendProblem(incoming, outgoing, 'identity_mismatch', s)
  }
  const user = typed

  if (isWellFormedToken(exchange.sessionToken)) await s.sessions.destroy(exchange.sessionToken)
  await s.users.remember(user)
  await s.history.record(user, origin, { event: 'first_factor', factor: 'password', result: 'success' })
  const panelJar = s.panelJars.seal(user, jar)
  // What the browser gets once the sign-in is verified: the answer's other cookies, and a copy of any
  // session cookie the operator lets the panel's own scripts read (`pass_to_browser`).
  const released = [
    ...signIn.others,
    ...signIn.changes.filter((c) => s.panelCookies.passesToBrowser(c.name)).map((c) => c.setCookie),
  ]

  // A service account exempt from 2FA, or a browser this user trusted, skips the second factor: the
  // panel's own answer goes on, without its session cookies.
  const skip = await secondFactorSkip(s, user, exchange.deviceToken)
  if (skip !== null) {
    const token = await s.sessions.create({ user, level: 'two_factor', ...(panelJar && { panelJar }) })
    await s.regulator.recordSuccess(user, origin.ip)
    await s.history.record(user, origin, { event: 'second_factor', factor: skip, result: 'success' })
    const headers = downstreamResponseHeaders(answer.rawHeaders)
    const taken = s.panelCookies.takeFrom(headers)
    for (const change of taken) {
      if (s.panelCookies.passesToBrowser(change.name)) headers.push('Set-Cookie', change.setCookie)
    }
    headers.push('Set-Cookie', setSessionCookie(s.cookie, token))
    return evidence.readBody === null
      ? relayResponse(answer, outgoing, headers)
      : sendAnswer(answer, outgoing, headers, evidence.readBody)
  }

  // The panel's answer is replaced: its body is not needed, its cookies wait for the second factor.
  answer.discard()
  // The page asked for before signing in, else where the panel meant to send the user.
  const returnTo =
    returnTargetOf(exchange.returnTo, s.publicOrigin) ??
    safeRedirectTarget(panelPath(answer.headers.location, s.config.upstream.url), s.publicOrigin)
  const token = await s.sessions.create({
    user,
    level: 'first_factor',
    ...(panelJar && { panelJar }),
    ...(released.length > 0 && { heldCookies: sealHeldCookies(s.box, user, released) }),
    ...(returnTo !== null && { returnTo }),
  })
  outgoing
    .writeHead(303, {
      Location: s.urls.secondFactor.page,
      'Set-Cookie': [
        setSessionCookie(s.cookie, token),
        // Kept in the session now: the cookie has done its work.
        ...(exchange.returnTo === undefined ? [] : [clearSessionCookie(s.returnCookie)]),
      ],
      'Cache-Control': 'no-store',
      'Content-Length': 0,
    })
    .end()
}

/** The panel answer with its session cookies taken out (a failure, or an answer to nobody verified). */
export function relayWithoutPanelCookies(
  s: PanelLoginParts,
  answer: UpstreamAnswer,
  outgoing: ServerResponse,
) {
  const headers = downstreamResponseHeaders(answer.rawHeaders)
  s.panelCookies.takeFrom(headers)
  relayResponse(answer, outgoing, headers)
}

/**
 * An answer in which the panel started a session tapgate did not check is not relayed at all: its
 * cookie would be a way in, and its body is a page drawn for whoever the panel signed in.
 */
export function refusePanelSession(
  exchange: PanelExchange,
  s: PanelLoginParts,
  answer: UpstreamAnswer,
): void {
  answer.discard()
  sendProblem(exchange.incoming, exchange.outgoing, 'panel_session_refused', s)
}

interface Evidence {
  source: Parameters<typeof readConfirmedIdentity>[1]
  /** The answer's body if reading the identity consumed it. */
  readBody: Buffer | null
}

function panelEvidence(
  exchange: PanelExchange,
  s: PanelLoginParts,
  answer: UpstreamAnswer,
  jar: PanelJar,
): Evidence {
  const evidence: Evidence = {
    readBody: null,
    source: {
      setCookies: answer.headers['set-cookie'] ?? [],
      header: (name) => {
        const value = answer.headers[name.toLowerCase()]
        return Array.isArray(value) ? value.join(', ') : value
      },
      body: async () => {
        evidence.readBody = await answer.readText(identityEvidenceLimit)
        return evidence.readBody.toString('utf8')
      },
      ask: (path) => askPanel(exchange, s, path, jar),
    },
  }
  return evidence
}

/** undefined: no `confirm_identity` configured; null: the panel's answer did not say; else the user. */
async function confirmIdentity(s: PanelLoginParts, evidence: Evidence): Promise<string | null | undefined> {
  const source = s.config.first_factor.confirm_identity
  if (source === undefined) return undefined
  const said = await readConfirmedIdentity(source, evidence.source)
  const checked = said === null ? null : checkUsername(said, s.config.first_factor.usernames)
  return checked === null ? null : s.canonicalUser(checked)
}

/** A GET of a panel page with the session cookies just set: the who-am-I page of `confirm_identity`. */
export async function askPanel(
  exchange: PanelExchange,
  s: PanelLoginParts,
  path: string,
  jar: PanelJar,
): Promise<string> {
  const { incoming, facts } = exchange
  const headers = panelRequestHeaders(
    s,
    incoming,
    facts,
    withJar(jar, exchange.browserCookies),
    null,
    askOmits,
  )
  headers.push('accept', 'text/html,application/json')
  const answer = await s.upstream.send({ method: 'GET', target: path, headers, body: null })
  return (await answer.readText(identityEvidenceLimit)).toString('utf8')
}

/**
 * A refused password goes into the history of users tapgate knows; for any other name only into the
 * log, so that made-up usernames cannot fill the store.
 */
async function recordRefusal(s: PanelLoginParts, user: string, origin: RequestOrigin, result: string) {
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

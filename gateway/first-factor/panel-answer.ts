import type { Transform } from 'node:stream'
import { requestOrigin } from '../history/login-history.ts'
import type { PanelCookieChange } from '../panel-session/panel-cookies.ts'
import { applyChanges, type PanelJar } from '../panel-session/panel-jar.ts'
import { relayResponse } from '../proxy/forward-request.ts'
import { downstreamResponseHeaders } from '../proxy/header-hygiene.ts'
import type { UpstreamAnswer } from '../proxy/upstream-answer.ts'
import type { Services } from '../services.ts'
import type { Session } from '../session/sessions.ts'
import { readConfirmedIdentity } from './confirm-identity.ts'
import { readLoginRequest } from './login-request.ts'
import { checkUsername } from './login-username.ts'
import {
  acceptPanelSignIn,
  askPanel,
  type PanelExchange,
  type PanelLoginParts,
  refusePanelSession,
} from './panel-login.ts'

/** A panel login's parts, and the login's field names to read requests by. */
type PanelAnswerParts = PanelLoginParts & Pick<Services, 'loginFields'>

/** The request an answer belongs to, as far as the panel's session is concerned. */
export interface AnsweredRequest {
  /** The caller's verified session and its token; null when it has none. */
  verified: { token: string; session: Session; jar: PanelJar } | null
  /** A bypass rule with `panel_cookies: pass` matched. */
  passesPanelCookies: boolean
  query: string
  /** The start of the request body as it streamed (body-sample.ts); null when none was kept. */
  body: { take(): Buffer | null } | null
  /** tapgate's own Set-Cookie values to add: the sign-out of a panel logout path, when it is one. */
  signOut: readonly string[]
  /** What adds to the page as it is relayed (the account link); null for most answers. */
  insertion: Transform | null
}

/**
 * Relays the panel's answer to an ordinary request (not the login tapgate recognises). Its session
 * cookies never reach the browser (DESIGN invariant 11). Set for a verified session, they update that
 * session's jar only when they are that user's (invariant 13): the request was not login-shaped, or
 * `confirm_identity` names the same user; a request that signed in another user starts that user's
 * sign-in, with their own second factor. Set in answer to anyone else's login-shaped request, the
 * whole answer is refused: its page was drawn for whoever the panel signed in. A session the panel
 * starts for a visitor who sent no credentials (a PHP panel's login page) is only dropped.
 */
export function relayPanelAnswer(
  exchange: PanelExchange,
  s: PanelAnswerParts,
  answer: UpstreamAnswer,
  request: AnsweredRequest,
): Promise<void> | undefined {
  const headers = downstreamResponseHeaders(answer.rawHeaders)
  const taken = request.passesPanelCookies ? [] : s.panelCookies.takeFrom(headers)
  // A cookie set again to the value the jar holds changes nothing, and needs no check or write.
  const held = request.verified?.jar
  const changes =
    held === undefined || taken.length === 0
      ? taken
      : taken.filter((change) => (held[change.name] ?? null) !== change.value)
  for (const cookie of request.signOut) headers.push('Set-Cookie', cookie)
  // Signing out: whatever the panel does to its cookies now concerns a session that has ended. Most
  // answers change no panel cookie: relayed at once, with no promise (the hot path).
  if (request.signOut.length > 0 || changes.length === 0) {
    relayResponse(answer, exchange.outgoing, headers, request.insertion)
    return undefined
  }
  return relayChangedCookies(exchange, s, answer, request, headers, changes)
}

/** An answer that sets or clears panel session cookies: whose they are decides where they go. */
async function relayChangedCookies(
  exchange: PanelExchange,
  s: PanelAnswerParts,
  answer: UpstreamAnswer,
  request: AnsweredRequest,
  headers: string[],
  changes: readonly PanelCookieChange[],
): Promise<void> {
  const starts = changes.some((change) => change.value !== null)
  const { verified } = request
  const named = starts ? await nameInRequest(exchange, s, request) : 'none'
  if (verified !== null) {
    const owner = starts
      ? await ownerOfChanges(exchange, s, answer, verified.jar, changes, named)
      : 'unchanged'
    if (owner === 'unchanged' || owner === verified.session.user) {
      await keepInJar(s, verified, changes)
      for (const change of changes) {
        if (s.panelCookies.passesToBrowser(change.name)) headers.push('Set-Cookie', change.setCookie)
      }
      return relayResponse(answer, exchange.outgoing, headers, request.insertion)
    }
    if (owner !== null) {
      const origin = requestOrigin(exchange.incoming, exchange.facts.clientIp)
      const { others } = s.panelCookies.split(answer.headers['set-cookie'] ?? [])
      return acceptPanelSignIn(exchange, s, { typed: owner, answer, changes, others, origin })
    }
  }
  if (starts) {
    const event = {
      event: 'panel_session_outside_login',
      cookies: changes.map((c) => c.name),
      path: exchange.incoming.url,
    }
    if (named === 'none' && verified === null) {
      s.log.info(
        event,
        'the panel started a session for a visitor who sent no credentials: its cookie was dropped',
      )
    } else {
      s.log.warn(
        { ...event, user: verified?.session.user },
        'the panel signed someone in outside a sign-in tapgate checked: its answer was refused',
      )
      return refusePanelSession(exchange, s, answer)
    }
  }
  relayResponse(answer, exchange.outgoing, headers, request.insertion)
}

/** The jar after the panel changed the verified user's own session, saved with their session. */
async function keepInJar(
  s: PanelAnswerParts,
  verified: NonNullable<AnsweredRequest['verified']>,
  changes: readonly PanelCookieChange[],
): Promise<void> {
  const panelJar = s.panelJars.seal(verified.session.user, applyChanges(verified.jar, changes))
  const { panelJar: _old, ...session } = verified.session
  await s.sessions.save(verified.token, panelJar === undefined ? session : { ...session, panelJar })
}

/**
 * Whose session the panel set in answer to a verified user's request: the user `confirm_identity`
 * reads from the panel when it can say; else the user the request named ('none': it named nobody,
 * so the session is still the requester's); null when it cannot be told (the cookies are dropped).
 */
async function ownerOfChanges(
  exchange: PanelExchange,
  s: PanelAnswerParts,
  answer: UpstreamAnswer,
  jar: PanelJar,
  changes: readonly PanelCookieChange[],
  named: string | 'none' | 'unreadable',
): Promise<string | 'unchanged' | null> {
  const ff = s.config.first_factor
  if (ff.confirm_identity !== undefined) {
    const newJar = applyChanges(jar, changes)
    const said = await readConfirmedIdentity(ff.confirm_identity, {
      setCookies: answer.headers['set-cookie'] ?? [],
      header: (name) => [answer.headers[name.toLowerCase()]].flat().join(', ') || undefined,
      body: async () => '',
      ask: (path) => askPanel(exchange, s, path, newJar),
    })
    const checked = said === null ? null : checkUsername(said, ff.usernames)
    if (checked !== null) return s.canonicalUser(checked)
  }
  if (named === 'none') return 'unchanged'
  return named === 'unreadable' ? null : named
}

/** The username a request names ('none' when it is not login-shaped), read as a login is read. */
async function nameInRequest(
  exchange: PanelExchange,
  s: PanelAnswerParts,
  request: AnsweredRequest,
): Promise<string | 'none' | 'unreadable'> {
  const body = request.body === null ? Buffer.alloc(0) : request.body.take()
  if (body === null) return 'unreadable'
  const reading = await readLoginRequest(
    { contentType: exchange.incoming.headers['content-type'], body, query: request.query },
    s.loginFields,
  )
  if (reading.kind === 'none') return 'none'
  return reading.kind === 'login' ? s.canonicalUser(reading.username) : 'unreadable'
}

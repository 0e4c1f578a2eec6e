import type { IncomingMessage } from 'node:http'
import { readConfirmedIdentity } from '../first-factor/confirm-identity.ts'
import { readLoginRequest } from '../first-factor/login-request.ts'
import { checkUsername } from '../first-factor/login-username.ts'
import {
  acceptPanelSignIn,
  askPanel,
  type PanelExchange,
  refusePanelSession,
} from '../first-factor/panel-login.ts'
import { requestOrigin } from '../history/login-history.ts'
import { relayResponse } from '../proxy/forward-request.ts'
import { downstreamResponseHeaders } from '../proxy/header-hygiene.ts'
import type { Services } from '../services.ts'
import type { Session } from '../session/sessions.ts'
import type { PanelCookieChange } from './panel-cookies.ts'
import { applyChanges, type PanelJar } from './panel-jar.ts'

/** The request an answer belongs to, as far as the panel's session is concerned. */
export interface AnsweredRequest {
  /** The caller's verified session and its token; null when it has none. */
  verified: { token: string; session: Session; jar: PanelJar } | null
  /** A bypass rule with `panel_cookies: pass` matched. */
  passesPanelCookies: boolean
  query: string
  /** The start of the request body as it streamed (body-sample.ts); null when none was kept. */
  body: { take(): Buffer | null } | null
  /** tapgate's own Set-Cookie values to add (the sign-out of a panel logout path). */
  setCookies: readonly string[]
}

/**
 * Relays the panel's answer to an ordinary request (not the login tapgate recognises). Its session
 * cookies never reach the browser (DESIGN invariant 11). Set for a verified session, they update that
 * session's jar only when they are that user's (invariant 13): the request was not login-shaped, or
 * `confirm_identity` names the same user. A login-shaped request (a username field) is a new sign-in
 * of the user it names, with its own second factor. Set for anyone else, they are dropped and logged.
 */
export async function relayPanelAnswer(
  exchange: PanelExchange,
  s: Services,
  answer: IncomingMessage,
  request: AnsweredRequest,
): Promise<void> {
  const headers = downstreamResponseHeaders(answer.rawHeaders)
  const changes = request.passesPanelCookies ? [] : s.panelCookies.takeFrom(headers)
  for (const cookie of request.setCookies) headers.push('Set-Cookie', cookie)
  const { verified } = request
  if (changes.length > 0 && verified !== null) {
    const sameUser = await panelKeepsUser(exchange, s, answer, request, verified.session.user, changes)
    if (sameUser === true) {
      const jar = applyChanges(verified.jar, changes)
      const panelJar = s.panelJars.seal(verified.session.user, jar)
      const { panelJar: _old, ...session } = verified.session
      await s.sessions.save(verified.token, panelJar === undefined ? session : { ...session, panelJar })
      for (const change of changes) {
        if (s.panelCookies.passesToBrowser(change.name)) headers.push('Set-Cookie', change.setCookie)
      }
      return relayResponse(answer, exchange.outgoing, headers)
    }
    if (typeof sameUser === 'string') {
      const setCookies = answer.headers['set-cookie'] ?? []
      const origin = requestOrigin(exchange.incoming, exchange.facts.clientIp)
      const { others } = s.panelCookies.split(setCookies)
      return acceptPanelSignIn(exchange, s, { typed: sameUser, answer, changes, others, origin })
    }
  }
  if (changes.some((change) => change.value !== null)) {
    s.log.warn(
      {
        event: 'panel_session_outside_login',
        cookies: changes.map((change) => change.name),
        user: verified?.session.user,
        path: exchange.incoming.url,
      },
      'the panel started a session outside a sign-in tapgate checked: its answer was refused',
    )
    return refusePanelSession(exchange, s, answer)
  }
  relayResponse(answer, exchange.outgoing, headers)
}

/**
 * Whether cookies a panel set in answer to a verified user's request are still that user's: true;
 * the canonical name of another user the request signed in (a new sign-in); false when it cannot be
 * told (dropped). Cookies only cleared are always the user's own business.
 */
async function panelKeepsUser(
  exchange: PanelExchange,
  s: Services,
  answer: IncomingMessage,
  request: AnsweredRequest,
  user: string,
  changes: readonly PanelCookieChange[],
): Promise<boolean | string> {
  if (changes.every((change) => change.value === null)) return true
  const ff = s.config.first_factor
  const named = await nameInRequest(exchange, s, request)
  if (ff.confirm_identity !== undefined) {
    const jar = applyChanges(request.verified?.jar ?? {}, changes)
    const said = await readConfirmedIdentity(ff.confirm_identity, {
      setCookies: answer.headers['set-cookie'] ?? [],
      header: (name) => [answer.headers[name.toLowerCase()]].flat().join(', ') || undefined,
      body: async () => '',
      ask: (path) => askPanel(exchange, s, path, jar),
    })
    const checked = said === null ? null : checkUsername(said, ff.usernames)
    if (checked !== null) return s.canonicalUser(checked) === user ? true : s.canonicalUser(checked)
  }
  if (named === 'none') return true
  return named === 'unreadable' ? false : named
}

/** The username a request names ('none' when it is not login-shaped), read as a login is read. */
async function nameInRequest(
  exchange: PanelExchange,
  s: Services,
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

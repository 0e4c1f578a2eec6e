import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { problemForFailure, sendProblem, wantsHtml } from '../errors.tsx'
import { readLoginForm } from '../first-factor/login-form.ts'
import { readLoginRequest } from '../first-factor/login-request.ts'
import { relayPanelAnswer } from '../first-factor/panel-answer.ts'
import { handlePanelLogin, type PanelExchange } from '../first-factor/panel-login.ts'
import { signInPage } from '../first-factor/sign-in-page.ts'
import type { AccessRecord } from '../http/access-log.ts'
import { clearSessionCookie } from '../http/cookies.ts'
import { requestIdOf } from '../http/request-id.ts'
import { setReturnCookie } from '../http/return-cookie.ts'
import { sampleBody } from '../panel-session/body-sample.ts'
import { withJar } from '../panel-session/panel-jar.ts'
import { accountLink } from '../proxy/account-link.ts'
import { clientFacts, gatewayCookies, panelRequestHeaders } from '../proxy/panel-request.ts'
import { sendUpstreamFailure } from '../proxy/upstream-failure.ts'
import type { Services } from '../services.ts'
import type { Session } from '../session/sessions.ts'
import { isWellFormedToken } from '../session/token.ts'
import { isVerified, panelAccess, sessionOf } from './panel-access.ts'

/** The login page's Authorization would be a second login beside the form. */
const noAuthorization: ReadonlySet<string> = new Set(['authorization'])
/** A compressed page cannot take the account link; only pages are asked for uncompressed, not their assets. */
const noEncoding: ReadonlySet<string> = new Set(['accept-encoding'])
const noAuthorizationNorEncoding: ReadonlySet<string> = new Set(['authorization', 'accept-encoding'])

/** The client headers the panel does not get for a request to its login page, or a page taking the link. */
function withheld(loginPage: boolean, linksPage: boolean): ReadonlySet<string> | undefined {
  if (loginPage) return linksPage ? noAuthorizationNorEncoding : noAuthorization
  return linksPage ? noEncoding : undefined
}

/** What the rules made of a request: `refused` when its path was (ambiguous, or tapgate's own). */
type Decided = 'bypass' | 'two_factor' | 'deny' | 'refused'

/**
 * Every request that is not a tapgate page (DESIGN "Request flow", step 5): normalise the path once,
 * pick the policy for exactly that path, check the session when the policy asks for one, and stream
 * the request to the panel with that same normalised path, with the panel session tapgate holds for
 * a verified user (panel-session/) and never one a browser sent.
 *
 * This is the hot path, so it runs on node:http directly: hono's request and context objects cost
 * about a quarter of the proxy's CPU per request (measured with `npm run bench`).
 */
export function panelTraffic(s: Services) {
  const { first_factor: ff } = s.config
  const { urls } = s
  const watchesPanelLogin = ff.mode === 'upstream'
  const decide = panelAccess(s)
  const linkToAccount = accountLink(s.config.ui.account_link, urls)

  const { metrics } = s
  const { loginsRefused } = metrics

  const { accessLog } = s

  return function toPanel(incoming: IncomingMessage, outgoing: ServerResponse): void {
    const record = accessLog?.begin(incoming) ?? null
    // Every path out of route() has written the status by now (the body may still be streaming).
    const counted = (decided: Decided) => {
      metrics.countRequest(decided, outgoing.statusCode)
      record?.end(outgoing, decided)
    }
    route(incoming, outgoing, record).then(counted, (error) => {
      // A body cut for its pace (limits/request-limits.ts) fails its reader, but has had its answer.
      if (!s.limits.wasCut(incoming)) {
        const code = problemForFailure(error, s.log)
        if (outgoing.headersSent) outgoing.destroy()
        else sendProblem(incoming, outgoing, code, s)
      }
      counted('refused')
    })
  }

  /** Serves the request; says what was decided, for the metrics; fills in the access log's record. */
  async function route(
    incoming: IncomingMessage,
    outgoing: ServerResponse,
    record: AccessRecord | null,
  ): Promise<Decided> {
    const method = incoming.method ?? 'GET'
    const facts = clientFacts(incoming, s)
    const access = decide(incoming, incoming.url ?? '', method, facts.clientIp)
    if (access.refused !== null) {
      sendProblem(incoming, outgoing, access.refused, s)
      return 'refused'
    }
    const { path, query } = access.target
    if (record !== null) record.path = path
    const cookies = gatewayCookies(s, incoming.headers.cookie)
    const exchange: PanelExchange = {
      incoming,
      outgoing,
      facts,
      sessionToken: cookies.session,
      deviceToken: cookies.device,
      returnTo: cookies.returnTo,
      browserCookies: s.panelCookies.withoutPanelCookies(cookies.panel),
    }
    const hasBody =
      incoming.headers['content-length'] !== undefined || incoming.headers['transfer-encoding'] !== undefined
    let body: Readable | Buffer | null = hasBody ? incoming : null

    // The panel's login, by whatever path spelling and method it arrives (DESIGN step 2).
    if (watchesPanelLogin && s.panelLogin.mayBeLogin(path, query)) {
      const read = hasBody ? await readLoginForm(incoming, ff.max_body) : null
      if (hasBody && read === null) {
        sendProblem(incoming, outgoing, 'body_too_large', s)
        return 'refused'
      }
      const contentType = incoming.headers['content-type']
      const reading = await readLoginRequest({ contentType, body: read, query }, s.loginFields)
      if (reading.kind === 'refused') {
        s.log.warn(
          { event: 'login_refused', reason: reading.reason, path, requestId: requestIdOf(incoming) },
          'a login tapgate cannot read unambiguously was refused',
        )
        loginsRefused.inc({ reason: reading.reason })
        sendProblem(incoming, outgoing, 'login_refused', s)
        return 'refused'
      }
      if (reading.kind === 'login' && s.panelLogin.meetsFieldCondition(reading.values)) {
        await handlePanelLogin(exchange, s, path, reading)
        return 'bypass'
      }
      // Not a login after all (the login page, another form on a shared path): proxied as it came.
      body = read
    }

    const { decision } = access
    if (decision.policy === 'deny') {
      sendProblem(incoming, outgoing, 'forbidden', s)
      return 'deny'
    }
    // On a bypass path too (the panel's own pages call them with the session), the jar goes along if
    // verified. API clients send no tapgate cookie and cost no store read.
    const session = await sessionOf(s, cookies.session)
    if (decision.policy === 'two_factor' && !isVerified(session)) {
      refuseWithoutSession(incoming, outgoing, session, path + query)
      return 'two_factor'
    }
    const verified = isVerified(session) && cookies.session !== undefined ? session : null
    if (record !== null && verified !== null) record.user = verified.user
    const jar = verified === null ? null : s.panelJars.open(verified.user, verified.panelJar)

    const signOut: string[] = []
    // The panel's own logout ends the gateway session too (DESIGN step 6).
    if (s.panelLogin.isLogout(path, query) && isWellFormedToken(cookies.session)) {
      await s.sessions.destroy(cookies.session)
      signOut.push(clearSessionCookie(s.cookie))
    }

    const panelCookies = jar === null ? exchange.browserCookies : withJar(jar, exchange.browserCookies)
    const identity = decision.policy === 'two_factor' && verified !== null ? verified.user : null
    const linksPage =
      linkToAccount !== null && identity !== null && signOut.length === 0 && linkToAccount.suits(incoming)
    const headers = panelRequestHeaders(
      s,
      incoming,
      facts,
      panelCookies,
      identity,
      withheld(access.loginPage, linksPage),
    )
    // A form may sign someone in: its start is kept to tell, should the panel start a session.
    const sample = Buffer.isBuffer(body)
      ? { take: () => body }
      : body === null
        ? null
        : sampleBody(incoming, ff.max_body)
    try {
      const answer = await s.upstream.send({ method, target: path + query, headers, body })
      await relayPanelAnswer(exchange, s, answer, {
        verified:
          verified === null || jar === null || signOut.length > 0
            ? null
            : { token: cookies.session as string, session: verified, jar },
        passesPanelCookies: decision.passesPanelCookies,
        query,
        body: sample,
        signOut,
        insertion: linksPage ? linkToAccount.insertionFor(answer) : null,
      })
    } catch (error) {
      sendUpstreamFailure(incoming, outgoing, s, error, path)
    }
    return decision.policy
  }

  /** Browsers go to the login page, or on to the second factor if the password was accepted; APIs get 401. */
  function refuseWithoutSession(
    incoming: IncomingMessage,
    outgoing: ServerResponse,
    session: Session | null,
    target: string,
  ) {
    if (!wantsHtml(incoming.headers.accept)) return sendProblem(incoming, outgoing, 'unauthorized', s)
    if (session?.level === 'first_factor') return redirect(outgoing, urls.secondFactor.page)
    // The panel's login page cannot be told where the user was going: a cookie remembers it.
    const remembers = watchesPanelLogin && incoming.method === 'GET'
    redirect(
      outgoing,
      signInPage(s.config, target),
      remembers ? setReturnCookie(s.returnCookie, target) : null,
    )
  }

  function redirect(outgoing: ServerResponse, location: string, setCookie: string | null = null) {
    const headers = { Location: location, 'Cache-Control': 'no-store', 'Content-Length': 0 }
    outgoing.writeHead(302, setCookie === null ? headers : { ...headers, 'Set-Cookie': setCookie }).end()
  }
}

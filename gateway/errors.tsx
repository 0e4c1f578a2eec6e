import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Logger } from 'pino'
import { UnreadableForm } from './http/form.ts'
import { PageLookContext, type PageSite } from './http/page-look.ts'
import { pageSecurityHeaders } from './http/security-headers.ts'
import { StoreUnavailableError } from './store/store.ts'
import { MessagePage } from './views/message-page.tsx'

interface Problem {
  status: ContentfulStatusCode
  title: string
  message: string
}

/**
 * Every error tapgate itself answers with, in one catalogue. Messages are deliberately generic:
 * the details go to the log, never to the client (an attacker learns nothing from the text).
 */
export const problems = {
  bad_path: {
    status: 400,
    title: 'Bad request',
    message: 'The address contains characters that are not allowed.',
  },
  bad_request: { status: 400, title: 'Bad request', message: 'The request could not be read.' },
  login_refused: {
    status: 400,
    title: 'Sign-in refused',
    message: 'The sign-in form could not be read unambiguously. Reload the sign-in page and try again.',
  },
  forbidden: { status: 403, title: 'Access denied', message: 'This address is not available.' },
  panel_session_refused: {
    status: 403,
    title: 'Sign-in required',
    message:
      'The control panel tried to start a session that was not checked. Sign in from the sign-in page.',
  },
  identity_mismatch: {
    status: 403,
    title: 'Sign-in refused',
    message: 'The control panel signed in another account than the one entered.',
  },
  cross_site: {
    status: 403,
    title: 'This form has expired',
    message: 'Go back, reload the page and try again.',
  },
  wrong_address: {
    status: 421,
    title: 'Open this page at its own address',
    message: 'This page was opened at another address than the one it is served at. Open it there.',
  },
  factor_switched_off: {
    status: 403,
    title: 'Your sign-in method is turned off',
    message:
      'Your account’s second step uses a method that has been turned off here, so you cannot sign in ' +
      'with it. Contact your administrator: they can turn it back on, or reset your second step.',
  },
  not_found: { status: 404, title: 'Page not found', message: 'There is nothing at this address.' },
  unauthorized: { status: 401, title: 'Sign-in required', message: 'Two-step verification is required.' },
  session_expired: {
    status: 401,
    title: 'Your sign-in timed out',
    message: 'For your security, a sign-in ends when it is not completed or used for a while. Sign in again.',
  },
  body_too_slow: {
    status: 408,
    title: 'The request came too slowly',
    message: 'The connection stalled while sending. Please try again.',
  },
  body_too_large: {
    status: 413,
    title: 'Request too large',
    message: 'The sign-in form sent too much data.',
  },
  locked: {
    status: 429,
    title: 'Too many attempts',
    message: 'Sign-in is paused after too many failed attempts. Wait a few minutes, then try again.',
  },
  too_many_requests: {
    status: 429,
    title: 'Too many requests at once',
    message: 'Too many requests from your network are in progress. Wait a moment, then try again.',
  },
  store_unavailable: {
    status: 503,
    title: 'Sign-in is temporarily unavailable',
    message: 'We cannot verify sign-ins right now. Please try again in a minute.',
  },
  upstream_unreachable: {
    status: 502,
    title: 'The control panel is not responding',
    message: 'The panel behind this sign-in could not be reached. Please try again in a minute.',
  },
  upstream_busy: {
    status: 503,
    title: 'The control panel is busy',
    message: 'Every connection to the panel is in use. Please try again in a moment.',
  },
  upstream_timeout: {
    status: 504,
    title: 'The control panel took too long to answer',
    message: 'Please try again in a minute.',
  },
  internal: { status: 500, title: 'Something went wrong', message: 'Please try again.' },
} as const satisfies Record<string, Problem>

export type ProblemCode = keyof typeof problems

export function wantsHtml(accept: string | undefined): boolean {
  return accept?.includes('text/html') ?? false
}

interface ProblemAnswer {
  status: ContentfulStatusCode
  headers: Record<string, string>
  body: string
}

/** What one answer adds to its catalogue entry: a message about this very request, and when to retry. */
export interface ProblemDetail {
  message?: string
  retryAfterMs?: number
  /** What to do about it, under the message (a browser's page only). */
  help?: string
  /** Where the page's one button leads (a browser's page only): "Sign in again". */
  action?: { href: string; label: string }
}

/** An error page for browsers, `{"error": code, "message": …}` for API clients. */
function problemAnswer(
  code: ProblemCode,
  accept: string | undefined,
  site: PageSite,
  detail: ProblemDetail,
): ProblemAnswer {
  const problem: Problem = problems[code]
  const message = detail.message ?? problem.message
  const retryAfter: Record<string, string> =
    detail.retryAfterMs === undefined ? {} : { 'Retry-After': String(Math.ceil(detail.retryAfterMs / 1000)) }
  if (!wantsHtml(accept)) {
    return {
      status: problem.status,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...retryAfter },
      body: JSON.stringify({ error: code, message }),
    }
  }
  const page = (
    <PageLookContext.Provider value={site.look}>
      <MessagePage
        urls={site.urls}
        title={problem.title}
        message={message}
        tone="error"
        {...(detail.help === undefined ? {} : { help: detail.help })}
        {...(detail.action === undefined ? {} : { action: detail.action })}
      />
    </PageLookContext.Provider>
  )
  return {
    status: problem.status,
    headers: { 'Content-Type': 'text/html; charset=UTF-8', ...pageSecurityHeaders, ...retryAfter },
    body: `<!doctype html>${page}`,
  }
}

/** For tapgate's own pages (hono handlers). */
export function respondWithProblem(
  c: Context,
  code: ProblemCode,
  site: PageSite,
  detail: ProblemDetail = {},
): Response {
  const { status, headers, body } = problemAnswer(code, c.req.header('accept'), site, detail)
  return c.body(body, status, headers)
}

/** For panel traffic, which is served on node:http without hono (see app.ts). */
export function sendProblem(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  code: ProblemCode,
  site: PageSite,
  detail: ProblemDetail = {},
): void {
  const { status, headers, body } = problemAnswer(code, incoming.headers.accept, site, detail)
  outgoing.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body) }).end(body)
}

/**
 * Fail closed: a store outage is a 503, never a pass; any other error is logged with its stack and
 * answered generically.
 */
export function problemForFailure(error: unknown, log: Logger): ProblemCode {
  if (error instanceof UnreadableForm) {
    log.warn({ event: 'form_unreadable', err: error.message }, 'a form could not be read')
    return 'bad_request'
  }
  if (error instanceof StoreUnavailableError) {
    log.error({ event: 'store_unavailable', err: error.message }, 'store unavailable')
    return 'store_unavailable'
  }
  log.error({ event: 'internal_error', err: error }, 'request failed')
  return 'internal'
}

import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { pageSecurityHeaders } from './http/security-headers.ts'
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
  forbidden: { status: 403, title: 'Access denied', message: 'This address is not available.' },
  cross_site: {
    status: 403,
    title: 'This form has expired',
    message: 'Go back, reload the page and try again.',
  },
  not_found: { status: 404, title: 'Page not found', message: 'There is nothing at this address.' },
  unauthorized: { status: 401, title: 'Sign-in required', message: 'Two-step verification is required.' },
  session_expired: {
    status: 401,
    title: 'Sign-in expired',
    message: 'Your sign-in has expired. Sign in again.',
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

/** An error page for browsers, `{"error": code, "message": …}` for API clients. */
export function respondWithProblem(c: Context, code: ProblemCode, prefix: string): Response {
  const problem: Problem = problems[code]
  if (!wantsHtml(c.req.header('accept'))) {
    return c.json({ error: code, message: problem.message }, problem.status, { 'Cache-Control': 'no-store' })
  }
  const page = <MessagePage prefix={prefix} title={problem.title} message={problem.message} tone="error" />
  return c.html(`<!doctype html>${page}`, problem.status, pageSecurityHeaders)
}

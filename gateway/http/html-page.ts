import type { Context } from 'hono'
import type { JSX } from 'hono/jsx/jsx-runtime'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { pageSecurityHeaders } from './security-headers.ts'

/**
 * One of tapgate's pages as the answer: the doctype first (without it the page renders in quirks
 * mode), and the security headers every page carries.
 */
export function htmlPage(c: Context, page: JSX.Element, status: ContentfulStatusCode = 200): Response {
  return c.html(`<!doctype html>${page}`, status, pageSecurityHeaders)
}

import type { Context } from 'hono'
import type { JSX } from 'hono/jsx/jsx-runtime'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { GatewayEnv } from '../context.ts'
import { PageLookContext } from './page-look.ts'
import { pageSecurityHeaders } from './security-headers.ts'

/**
 * One of tapgate's pages as the answer: the doctype first (without it the page renders in quirks
 * mode), the operator's look around it, and the security headers every page carries.
 */
export function htmlPage(
  c: Context<GatewayEnv>,
  page: JSX.Element,
  status: ContentfulStatusCode = 200,
): Response {
  const dressed = <PageLookContext.Provider value={c.var.look}>{page}</PageLookContext.Provider>
  return c.html(`<!doctype html>${dressed}`, status, pageSecurityHeaders)
}

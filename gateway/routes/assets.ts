import { readFileSync } from 'node:fs'
import { Hono } from 'hono'
import type { GatewayEnv } from '../context.ts'

const stylesheet = readFileSync(new URL('../../web/app.css', import.meta.url), 'utf8')

/** `<prefix>/assets/…`: the pages' one stylesheet, read once at start-up. */
export function assetRoutes() {
  const routes = new Hono<GatewayEnv>()
  routes.get('/app.css', (c) =>
    c.body(stylesheet, 200, {
      'Content-Type': 'text/css; charset=utf-8',
      'Cache-Control': 'public, max-age=3600',
      'X-Content-Type-Options': 'nosniff',
    }),
  )
  return routes
}

import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { buildSync } from 'esbuild'
import { Hono } from 'hono'
import type { GatewayEnv } from '../context.ts'

const stylesheet = readFileSync(new URL('../../web/app.css', import.meta.url), 'utf8')

let script: string | undefined
/** The browser script, bundled from web/ on first request (no build step, no CDN) and kept. */
function pageScript(): string {
  script ??= buildSync({
    entryPoints: [fileURLToPath(new URL('../../web/app.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    minify: true,
    write: false,
    logLevel: 'silent',
  }).outputFiles[0]?.text
  return script ?? ''
}

const cacheable = { 'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff' }

/** `<prefix>/assets/…`: the pages' stylesheet and their one script. */
export function assetRoutes() {
  const routes = new Hono<GatewayEnv>()
  routes.get('/app.css', (c) =>
    c.body(stylesheet, 200, { ...cacheable, 'Content-Type': 'text/css; charset=utf-8' }),
  )
  routes.get('/app.js', (c) =>
    c.body(pageScript(), 200, { ...cacheable, 'Content-Type': 'text/javascript; charset=utf-8' }),
  )
  return routes
}

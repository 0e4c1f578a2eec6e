import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { buildSync } from 'esbuild'
import { Hono } from 'hono'
import { readLogoFile } from '../config/logo-file.ts'
import type { Config } from '../config/schema.ts'
import type { GatewayEnv } from '../context.ts'
import { accentStylesheet } from '../views/accent-stylesheet.ts'

const stylesheet = readFileSync(new URL('../../web/app.css', import.meta.url), 'utf8')
const favicon = readFileSync(new URL('../../web/favicon.svg', import.meta.url))
/** The look of the link `ui.account_link: inject` adds to the panel's pages (proxy/account-link.ts). */
const accountLinkStylesheet = readFileSync(new URL('../../web/account-link.css', import.meta.url), 'utf8')

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
/** An SVG opened on its own is a document: it may run no script and load nothing. */
const inertImage = { 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox" }

/**
 * `<prefix>/assets/…`: the pages' stylesheet, script and icon; the operator's logo and colour; the
 * look of the account link in the panel's pages.
 */
export function assetRoutes(ui: Pick<Config['ui'], 'accent' | 'logo'>) {
  const routes = new Hono<GatewayEnv>()
  routes.get('/app.css', (c) =>
    c.body(stylesheet, 200, { ...cacheable, 'Content-Type': 'text/css; charset=utf-8' }),
  )
  routes.get('/app.js', (c) =>
    c.body(pageScript(), 200, { ...cacheable, 'Content-Type': 'text/javascript; charset=utf-8' }),
  )
  routes.get('/account-link.css', (c) =>
    c.body(accountLinkStylesheet, 200, { ...cacheable, 'Content-Type': 'text/css; charset=utf-8' }),
  )
  routes.get('/favicon.svg', (c) =>
    c.body(new Uint8Array(favicon), 200, { ...cacheable, ...inertImage, 'Content-Type': 'image/svg+xml' }),
  )
  if (ui.accent !== undefined) {
    const accent = accentStylesheet(ui.accent)
    routes.get('/accent.css', (c) =>
      c.body(accent, 200, { ...cacheable, 'Content-Type': 'text/css; charset=utf-8' }),
    )
  }
  if (ui.logo !== undefined) {
    const logo = readLogoFile(ui.logo)
    routes.get('/logo', (c) =>
      c.body(new Uint8Array(logo.bytes), 200, {
        ...cacheable,
        ...inertImage,
        'Content-Type': logo.contentType,
      }),
    )
  }
  return routes
}

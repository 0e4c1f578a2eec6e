import type { Child } from 'hono/jsx'
import type { TapgateUrls } from '../http/tapgate-urls.ts'

export interface LayoutProps {
  /** tapgate's own addresses (http/tapgate-urls.ts). */
  urls: TapgateUrls
  /** Page-specific part of the document title. */
  title: string
  /**
   * Anti-forgery token for the security-key script, which reads it from `<meta name="csrf-token">`
   * because its requests are fetches, not form posts with a hidden field.
   */
  csrfToken?: string | undefined
  /** Loads the page script. Only pages with a `data-webauthn` or `data-print` button need it. */
  script?: boolean | undefined
  children?: Child
}

/**
 * The HTML document around every tapgate page: masthead, one centred card, footer. Callers prepend
 * `<!doctype html>` (routes: http/html-page.ts, tests: renderPage) — without it the
 * page renders in quirks mode.
 */
export function Layout({ urls, title, csrfToken, script = false, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <meta name="robots" content="noindex, nofollow" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${title} · Sign-in security`}</title>
        {/* Keeps the browser from asking the panel behind us for /favicon.ico. */}
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={urls.stylesheet} />
        {csrfToken === undefined ? null : <meta name="csrf-token" content={csrfToken} />}
        {/* A module script is deferred: it runs once the buttons it wires up have been parsed. */}
        {script ? <script type="module" src={urls.script}></script> : null}
      </head>
      <body>
        <div class="page">
          <header class="masthead">
            <span class="masthead-mark">
              <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                <path
                  class="masthead-shield"
                  d="M12 2.25 4.5 5.1v5.65c0 4.72 3.13 8.96 7.5 10.5 4.37-1.54 7.5-5.78 7.5-10.5V5.1L12 2.25Z"
                />
                <path class="masthead-check" d="m8.6 12.1 2.4 2.4 4.6-4.8" />
              </svg>
            </span>
            <span class="masthead-name">Two-step verification</span>
          </header>
          <main class="card" id="main">
            {children}
          </main>
          <footer class="site-footer">
            <p>Protected by tapgate</p>
          </footer>
        </div>
      </body>
    </html>
  )
}

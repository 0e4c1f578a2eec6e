import { type Child, useContext } from 'hono/jsx'
import { type PageLook, PageLookContext } from '../http/page-look.ts'
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
  /**
   * Loads the page script (web/app.ts). Only pages with what it wires up need it: a security-key,
   * passkey, print or copy button, a resend countdown, or times shown in the browser's zone.
   */
  script?: boolean | undefined
  children?: Child
}

/** The shield-and-tick mark, for an operator who gave no logo. */
function ShieldMark() {
  return (
    <span class="masthead-mark">
      <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
        <path
          class="masthead-shield"
          d="M12 2.25 4.5 5.1v5.65c0 4.72 3.13 8.96 7.5 10.5 4.37-1.54 7.5-5.78 7.5-10.5V5.1L12 2.25Z"
        />
        <path class="masthead-check" d="m8.6 12.1 2.4 2.4 4.6-4.8" />
      </svg>
    </span>
  )
}

/** The panel's name over what this page is for; tapgate's own words when the operator named nothing. */
function Masthead({ look }: { look: PageLook }) {
  return (
    <header class="masthead">
      {look.logo === null ? (
        <ShieldMark />
      ) : (
        <img class="masthead-logo" src={look.logo} alt={look.name === null ? 'Logo' : ''} height="32" />
      )}
      {look.name === null ? (
        <span class="masthead-name">Two-step verification</span>
      ) : (
        <span class="masthead-names">
          <span class="masthead-name">{look.name}</span>
          <span class="masthead-purpose">Two-step verification</span>
        </span>
      )}
    </header>
  )
}

/** Who helps a stuck user, on every page, so that nobody has to guess. */
function SupportLine({ support }: { support: NonNullable<PageLook['support']> }) {
  return (
    <p class="site-support">
      Need help? {support.href === null ? support.text : <a href={support.href}>{support.text}</a>}
    </p>
  )
}

/**
 * The HTML document around every tapgate page: masthead, one centred card, footer, dressed in the
 * operator's look (`ui`, read from PageLookContext). Callers prepend
 * `<!doctype html>` (routes: http/html-page.ts, tests: renderPage) — without it the
 * page renders in quirks mode.
 */
export function Layout({ urls, title, csrfToken, script = false, children }: LayoutProps) {
  const look = useContext(PageLookContext)
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <meta name="robots" content="noindex, nofollow" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${title} · ${look.name ?? 'Sign-in security'}`}</title>
        {/* Without one, the browser asks the panel behind us for /favicon.ico (a 401 before sign-in). */}
        <link rel="icon" href={look.logo ?? urls.favicon} />
        <link rel="stylesheet" href={urls.stylesheet} />
        {look.accentStylesheet === null ? null : <link rel="stylesheet" href={look.accentStylesheet} />}
        {csrfToken === undefined ? null : <meta name="csrf-token" content={csrfToken} />}
        {/* A module script is deferred: it runs once the buttons it wires up have been parsed. */}
        {script ? <script type="module" src={urls.script}></script> : null}
      </head>
      <body>
        <div class="page">
          <Masthead look={look} />
          <main class="card" id="main">
            {children}
          </main>
          <footer class="site-footer">
            {look.support === null ? null : <SupportLine support={look.support} />}
            <p>Protected by tapgate</p>
          </footer>
        </div>
      </body>
    </html>
  )
}

import { createContext } from 'hono/jsx'
import type { Config } from '../config/schema.ts'
import type { TapgateUrls } from './tapgate-urls.ts'

/** How the operator dressed tapgate's pages (`ui` in the config): what every page's frame shows. */
export interface PageLook {
  /** The panel's or the company's name; null: the pages call themselves "Sign-in security". */
  name: string | null
  /** Where the logo is served, when there is one. */
  logo: string | null
  /** The stylesheet that recolours the pages, when `ui.accent` is set. */
  accentStylesheet: string | null
  /** Who helps a stuck user, and where (a link) when the operator named it. */
  support: { text: string; href: string | null } | null
  /** What a user whose sign-in is paused is told to do. */
  lockoutHelp: string
}

export function pageLook(ui: Config['ui'], urls: TapgateUrls): PageLook {
  return {
    name: ui.name ?? null,
    logo: ui.logo === undefined ? null : urls.logo,
    accentStylesheet: ui.accent === undefined ? null : urls.accentStylesheet,
    support: ui.support === undefined ? null : { text: ui.support, href: ui.support_url ?? null },
    lockoutHelp: ui.lockout_help,
  }
}

/** tapgate's own look: what a page shows when no operator's look is provided (and in view tests). */
export const plainLook: PageLook = {
  name: null,
  logo: null,
  accentStylesheet: null,
  support: null,
  lockoutHelp: 'Wait until then and try again.',
}

/** The look every page's frame (views/layout.tsx) renders with; set per answer by htmlPage(). */
export const PageLookContext = createContext<PageLook>(plainLook)

/** What an error page needs of the gateway: its addresses and its look. */
export interface PageSite {
  urls: TapgateUrls
  look: PageLook
}

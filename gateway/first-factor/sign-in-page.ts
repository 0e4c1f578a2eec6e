import type { Config } from '../config/schema.ts'
import { tapgateUrls } from '../http/tapgate-urls.ts'

/**
 * Where a browser without a session goes to sign in: the panel's own login page, or tapgate's
 * (`<prefix>/login`) in local mode, told where the user was going when that is known.
 */
export function signInPage(config: Config, returnTo?: string): string {
  const ff = config.first_factor
  if (ff.mode === 'upstream') return ff.login_page ?? ff.login_path
  const page = tapgateUrls(config.prefix).login
  return returnTo === undefined || returnTo === '/' ? page : `${page}?rd=${encodeURIComponent(returnTo)}`
}

/**
 * The panel's login form (the POST tapgate watches) and page: always reachable, since they are how a
 * session starts. Local mode watches nothing there: the panel's own login is not a way in.
 */
export function panelLoginPaths(config: Config): ReadonlySet<string> {
  const ff = config.first_factor
  return new Set(ff.mode === 'upstream' ? [ff.login_path, ff.login_page ?? ff.login_path] : [])
}

import type { Config } from '../config/schema.ts'
import { compileRules } from '../policy/compile-rules.ts'
import { decidePolicy } from '../policy/decide-policy.ts'

type FirstFactor = Config['first_factor']

/**
 * Which requests are the panel's login and logout. A panel serves its login under more names than the
 * configured one (`/login/`, `/LOGIN`, `/login;x`, `/login.`), by any method, so a path is a login
 * path in every reading the path rules use (gateway/policy/path-readings.ts), with or without a
 * trailing slash. Logout paths are read the same way.
 */
export class PanelLoginPaths {
  readonly #login: (path: string) => boolean
  readonly #logout: readonly { matches: (path: string) => boolean; query?: string; equals?: string }[]
  readonly #when: FirstFactor['login_when']

  constructor(ff: FirstFactor) {
    this.#login = pathMatcher([ff.login_path])
    this.#when = ff.login_when
    this.#logout = ff.logout_paths.map((entry) => ({ ...entry, matches: pathMatcher([entry.path]) }))
  }

  /**
   * Whether a request could be the login: its path is a reading of the login path and its query meets
   * `login_when.query`. A `login_when.field` is checked once the body is read (`meetsFieldCondition`).
   */
  mayBeLogin(path: string, query: string): boolean {
    if (!this.#login(path)) return false
    const when = this.#when
    return when?.query === undefined || queryValues(query, when.query).includes(when.equals)
  }

  /** `login_when.field`, given every value the request has for a field (body, then query). */
  meetsFieldCondition(values: (field: string) => string[]): boolean {
    const when = this.#when
    return when?.field === undefined || values(when.field).includes(when.equals)
  }

  isLogout(path: string, query: string): boolean {
    return this.#logout.some(
      (entry) =>
        entry.matches(path) &&
        (entry.query === undefined || queryValues(query, entry.query).includes(entry.equals ?? '')),
    )
  }
}

/** Any of `paths`, in every reading the rules use, with or without a trailing slash. */
function pathMatcher(paths: readonly string[]): (path: string) => boolean {
  const variants = paths.flatMap((path) => [path, path.endsWith('/') ? path.slice(0, -1) || '/' : `${path}/`])
  const compiled = compileRules(
    variants.map((path) => ({ path, policy: 'deny' as const })),
    'bypass',
  )
  const noHeader = () => undefined
  return (path) =>
    decidePolicy(compiled, { path, method: 'GET', clientIp: '', header: noHeader }).policy === 'deny'
}

/** Every value of a query field; a panel may read any of them (PHP and Django take the last). */
function queryValues(query: string, field: string): string[] {
  if (query === '' || !query.includes(field)) return []
  try {
    return new URLSearchParams(query).getAll(field)
  } catch {
    return []
  }
}

import { clearsCookie, parseSetCookie } from '../http/set-cookie.ts'

/**
 * The cookies that carry the panel's session (`first_factor.panel_cookies`). They belong to tapgate:
 * a browser never receives one (DESIGN invariant 11) and a browser's own is never passed on, so the
 * panel only ever sees the session tapgate holds for a verified user (invariant 13).
 */

/** What one panel answer did to one of its session cookies; `value` null: cleared. */
export interface PanelCookieChange {
  name: string
  value: string | null
  /** The Set-Cookie value it came in, for a `pass_to_browser` cookie. */
  setCookie: string
}

export interface PanelCookieSettings {
  name: string
  pass_to_browser: boolean
}

export class PanelCookies {
  /** Folded names (see `foldCookieName`), so no spelling of a session cookie gets through. */
  readonly #folded: ReadonlySet<string>
  readonly #names: ReadonlyMap<string, PanelCookieSettings>
  /** The configured names as they appear in a header: a header without any of them is left alone. */
  readonly #needles: readonly string[]
  /** Whether some name has a '_', which PHP also reads from ' ' and '.'. */
  readonly #underscored: boolean

  constructor(
    cookies: readonly PanelCookieSettings[],
    private readonly now: () => number,
  ) {
    this.#names = new Map(cookies.map((cookie) => [cookie.name, cookie]))
    this.#folded = new Set(cookies.map((cookie) => foldCookieName(cookie.name)))
    this.#needles = [...this.#folded]
    this.#underscored = this.#needles.some((name) => name.includes('_'))
  }

  /** Whether a browser may get this cookie too (`pass_to_browser`), next to tapgate's copy. */
  passesToBrowser(name: string): boolean {
    return this.#names.get(name)?.pass_to_browser === true
  }

  /**
   * The browser's Cookie header without any panel session cookie (forged, stale from before tapgate,
   * or another user's). Names are compared the way panels read them (see `foldCookieName`).
   */
  withoutPanelCookies(header: string | undefined): string | undefined {
    if (header === undefined || !this.#mayHold(header)) return header
    const kept = header.split(';').filter((pair) => {
      const eq = pair.indexOf('=')
      return !this.#folded.has(foldCookieName(eq < 0 ? pair : pair.slice(0, eq)))
    })
    const rest = kept.map((pair) => pair.trim()).filter(Boolean)
    return rest.length > 0 ? rest.join('; ') : undefined
  }

  /**
   * Takes the panel's session cookies out of a response's raw header list (in place) and says what
   * they did. Every spelling of a session cookie is taken, cleared ones too: none reaches a browser
   * unless the caller puts it back.
   */
  takeFrom(rawHeaders: string[]): readonly PanelCookieChange[] {
    // Made only for an answer that has one: most answers change no panel cookie.
    let changes: Changes | null = null
    for (let i = 0; i < rawHeaders.length; i += 2) {
      if (rawHeaders[i]!.length !== 10 || rawHeaders[i]!.toLowerCase() !== 'set-cookie') continue
      const change = this.#read(rawHeaders[i + 1]!)
      if (change === null) continue
      changes ??= new Changes()
      changes.add(change)
      rawHeaders.splice(i, 2)
      i -= 2
    }
    return changes === null ? noChanges : changes.net()
  }

  /** The panel session cookies among Set-Cookie values (a login answer), and the other values. */
  split(setCookies: readonly string[]): { changes: PanelCookieChange[]; others: string[] } {
    const changes = new Changes()
    const others: string[] = []
    for (const setCookie of setCookies) {
      const change = this.#read(setCookie)
      if (change === null) others.push(setCookie)
      else changes.add(change)
    }
    return { changes: changes.net(), others }
  }

  #read(setCookie: string): PanelCookieChange | null {
    const parts = parseSetCookie(setCookie)
    if (parts === null || !this.#folded.has(foldCookieName(parts.name))) return null
    const { value } = parts
    const cleared = clearsCookie(parts, this.now())
    const name = this.#names.has(parts.name) ? parts.name : this.#canonicalName(parts.name)
    return { name, value: cleared ? null : value, setCookie }
  }

  #canonicalName(rawName: string): string {
    const folded = foldCookieName(rawName)
    for (const name of this.#names.keys()) if (foldCookieName(name) === folded) return name
    return rawName
  }

  /**
   * The cheap test first: a header that names no session cookie in any case, and has nothing that
   * could fold into one (an escape, a '[', or a ' ' or '.' where a name has '_'), needs no parsing.
   */
  #mayHold(header: string): boolean {
    if (header.includes('%') || header.includes('[')) return true
    const lower = header.toLowerCase()
    if (this.#needles.some((needle) => lower.includes(needle))) return true
    return this.#underscored && (header.includes('.') || header.replaceAll('; ', '').includes(' '))
  }
}

const noChanges: readonly PanelCookieChange[] = Object.freeze([])

/**
 * What an answer did to each cookie in the end: a browser applies Set-Cookie values in order, so the
 * last one for a name wins (DokuWiki's logout renews its cookie, then clears it, in one answer).
 */
class Changes {
  readonly #byName = new Map<string, PanelCookieChange>()

  add(change: PanelCookieChange): void {
    this.#byName.delete(change.name)
    this.#byName.set(change.name, change)
  }

  net(): PanelCookieChange[] {
    return [...this.#byName.values()]
  }
}

/**
 * A cookie name as the laxest panel reads it: percent-decoded and with PHP's mangling of variable
 * names (leading spaces dropped, ' ' and '.' read as '_', a '[' starting an array), case-folded.
 * `PHPSESSID`, `phpsessid`, `PHP%53ESSID` and `PHPSESSID[]` all fold to one name.
 */
export function foldCookieName(name: string): string {
  let text = name.trim()
  if (text.includes('%')) {
    try {
      text = decodeURIComponent(text)
    } catch {
      // Not valid escapes: read as written.
    }
  }
  const bracket = text.indexOf('[')
  if (bracket > 0) text = text.slice(0, bracket)
  return text.trimStart().replace(/[ .]/g, '_').toLowerCase()
}

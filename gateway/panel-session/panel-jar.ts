import type { SecretBox } from '../crypto/secret-box.ts'
import type { PanelCookieChange } from './panel-cookies.ts'

/** The panel's session cookies tapgate holds for one session, by name. */
export type PanelJar = Readonly<Record<string, string>>

const emptyJar: PanelJar = Object.freeze({})

/** Opened jars kept at most; past that the cache starts again (a miss costs one decryption). */
const cacheLimit = 10_000

/**
 * Seals and opens the jars kept in session records. A jar holds bearer credentials for the panel, so
 * it is sealed at rest and bound to its user: a jar sealed for alice does not open as bob's, even if
 * a store writer swapped them (DESIGN invariant 13).
 */
export class PanelJars {
  /**
   * Opened jars by sealed text, with the user each was opened for: a verified session's requests
   * would otherwise decrypt the same jar on every request. AES-GCM authenticates the sealed text, so
   * a hit for the same user is as good as opening it. Keyed by the text alone: it is the very string
   * of the session copy the store keeps, whose hash V8 has worked out already (a key joined per
   * request would be hashed anew, all of it, every time).
   */
  readonly #opened = new Map<string, { user: string; jar: PanelJar }>()

  constructor(private readonly box: SecretBox) {}

  seal(user: string, jar: PanelJar): string | undefined {
    return Object.keys(jar).length === 0
      ? undefined
      : this.box.seal(JSON.stringify(jar), associatedData(user))
  }

  open(user: string, sealed: string | undefined): PanelJar {
    if (sealed === undefined) return emptyJar
    const hit = this.#opened.get(sealed)
    if (hit !== undefined && hit.user === user) return hit.jar
    const text = this.box.open(sealed, associatedData(user))
    const jar = text === null ? emptyJar : parseJar(text)
    if (this.#opened.size >= cacheLimit) this.#opened.clear()
    this.#opened.set(sealed, { user, jar })
    return jar
  }
}

/** The jar after a panel answer set or cleared some of its session cookies. */
export function applyChanges(jar: PanelJar, changes: readonly PanelCookieChange[]): PanelJar {
  const next: Record<string, string> = { ...jar }
  for (const { name, value } of changes) {
    if (value === null) delete next[name]
    else next[name] = value
  }
  return next
}

/** The Cookie header for the panel: the browser's other cookies, then the held session cookies. */
export function withJar(jar: PanelJar, browserCookies: string | undefined): string | undefined {
  let header = browserCookies
  for (const name in jar) {
    const pair = `${name}=${jar[name]}`
    header = header === undefined ? pair : `${header}; ${pair}`
  }
  return header
}

function associatedData(user: string): string {
  return `panel-jar\n${user}`
}

function parseJar(text: string): PanelJar {
  const parsed: unknown = JSON.parse(text)
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return emptyJar
  const jar: Record<string, string> = {}
  for (const [name, value] of Object.entries(parsed)) if (typeof value === 'string') jar[name] = value
  return Object.freeze(jar)
}

import type { Config } from '../config/schema.ts'
import { cookiesSetBy } from '../http/set-cookie.ts'

export type IdentitySource = NonNullable<Config['first_factor']['confirm_identity']>

/** What the panel's login answer offers to read an identity from. */
export interface IdentityEvidence {
  /** The answer's Set-Cookie values. */
  setCookies: readonly string[]
  header(name: string): string | undefined
  /** The answer's body as text (read once, bounded). */
  body(): Promise<string>
  /** A page of the panel asked with the session cookies the answer set (`path` sources). */
  ask(path: string): Promise<string>
}

/**
 * Whom the panel says it signed in (`first_factor.confirm_identity`), as it wrote it; null when its
 * answer does not say. Only the panel knows how it folds names (`Admin_`, `User:Admin`, an invisible
 * mark): reading its own answer closes every difference tapgate's reading of the form could have.
 */
export async function readConfirmedIdentity(
  source: IdentitySource,
  evidence: IdentityEvidence,
): Promise<string | null> {
  if (source.cookie !== undefined) {
    const value = cookieValue(evidence.setCookies, source.cookie)
    return value === null ? null : capture(safeDecode(value), source.regex)
  }
  if (source.header !== undefined) {
    const value = evidence.header(source.header)
    return value === undefined ? null : capture(value, source.regex)
  }
  const text = source.path !== undefined ? await evidence.ask(source.path) : await evidence.body()
  if (source.regex !== undefined) return capture(text, source.regex, decodeHtml)
  return pointAt(text, source.json_pointer ?? '')
}

function cookieValue(setCookies: readonly string[], name: string): string | null {
  const value = cookiesSetBy(setCookies)[name]
  return value === undefined ? null : value.replace(/^"(.*)"$/, '$1')
}

function capture(text: string, regex: string | undefined, decode = (s: string) => s): string | null {
  if (regex === undefined) return text === '' ? null : text
  const match = new RegExp(regex).exec(text)
  const found = match?.[1]
  return found === undefined || found === '' ? null : decode(found)
}

/** RFC 6901: '/a/b' walks keys a then b ('~1' is '/', '~0' is '~'); only a string is an identity. */
function pointAt(text: string, pointer: string): string | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  for (const token of pointer.split('/').slice(1)) {
    const key = token.replaceAll('~1', '/').replaceAll('~0', '~')
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return null
    value = (value as Record<string, unknown>)[key]
  }
  return typeof value === 'string' && value !== '' ? value : null
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/** A name captured from HTML is entity-encoded there (`O&#39;Brien`). */
function decodeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] !== '#') return entities[entity.toLowerCase()] ?? whole
    const code =
      entity[1] === 'x' || entity[1] === 'X' ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1))
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole
  })
}

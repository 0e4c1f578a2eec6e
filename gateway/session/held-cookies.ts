import type { SecretBox } from '../crypto/secret-box.ts'

/**
 * The panel's login cookies, held in the pending session until the second factor is verified.
 * They are bearer credentials for the panel, so they are sealed: a store dump yields none of them.
 */
export function sealHeldCookies(box: SecretBox, user: string, setCookies: readonly string[]): string {
  return box.seal(JSON.stringify(setCookies), user)
}

export function openHeldCookies(box: SecretBox, user: string, sealed: string | undefined): string[] {
  if (!sealed) return []
  const text = box.open(sealed, user)
  if (text === null) return []
  const parsed: unknown = JSON.parse(text)
  return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : []
}

/**
 * The cookies were set in answer to the login path but are released in answer to a tapgate path.
 * A cookie without a Path attribute takes its default path from the request URI (RFC 6265 §5.1.4),
 * so it is pinned to the login path's default path, as the panel meant it.
 */
export function pinCookiePath(setCookie: string, loginPath: string): string {
  if (/;\s*path\s*=/i.test(setCookie)) return setCookie
  const lastSlash = loginPath.lastIndexOf('/')
  const defaultPath = lastSlash <= 0 ? '/' : loginPath.slice(0, lastSlash)
  return `${setCookie}; Path=${defaultPath}`
}

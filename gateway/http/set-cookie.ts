/** A Set-Cookie value's name, value and the attribute text after them (RFC 6265 §5.2). */
export interface SetCookieParts {
  name: string
  value: string
  attributes: string
}

/** null when the value has no '=' in its name-value pair, which a browser ignores (RFC 6265 §5.2 step 2). */
export function parseSetCookie(setCookie: string): SetCookieParts | null {
  const semicolon = setCookie.indexOf(';')
  const pair = semicolon < 0 ? setCookie : setCookie.slice(0, semicolon)
  const eq = pair.indexOf('=')
  if (eq < 0) return null
  return {
    name: pair.slice(0, eq).trim(),
    value: pair.slice(eq + 1).trim(),
    attributes: semicolon < 0 ? '' : setCookie.slice(semicolon + 1),
  }
}

/** The name=value of every cookie a list of Set-Cookie values sets (not clears with an empty value). */
export function cookiesSetBy(setCookies: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {}
  for (const setCookie of setCookies) {
    const parts = parseSetCookie(setCookie)
    if (parts !== null && parts.name !== '' && parts.value !== '') values[parts.name] = parts.value
  }
  return values
}

/**
 * Whether a Set-Cookie value clears its cookie in a browser: an empty value, a Max-Age of zero or
 * less, else an Expires at or before `now` (RFC 6265 §5.3). Max-Age wins over Expires whatever
 * their order.
 */
export function clearsCookie(parts: SetCookieParts, now: number): boolean {
  if (parts.value === '' || parts.value === '""') return true
  let expires: number | null = null
  for (const attribute of parts.attributes.split(';')) {
    const eq = attribute.indexOf('=')
    if (eq < 0) continue
    const key = attribute.slice(0, eq).trim().toLowerCase()
    const value = attribute.slice(eq + 1).trim()
    if (key === 'max-age' && /^-?\d+$/.test(value)) return Number(value) <= 0
    if (key === 'expires') expires = Date.parse(value)
  }
  return expires !== null && !Number.isNaN(expires) && expires <= now
}

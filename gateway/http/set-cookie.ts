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

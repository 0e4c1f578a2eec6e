import { serialize } from 'hono/utils/cookie'

export interface SessionCookie {
  name: string
  secure: boolean
}

/**
 * `__Host-` on https: the browser then refuses the cookie unless it is Secure, host-only and
 * Path=/, so a sibling subdomain cannot plant or shadow tapgate's session (cookie tossing).
 */
export function sessionCookie(configuredName: string, publicUrl: string): SessionCookie {
  const secure = new URL(publicUrl).protocol === 'https:'
  return { name: secure ? `__Host-${configuredName}` : configuredName, secure }
}

export function setSessionCookie(cookie: SessionCookie, token: string): string {
  return serialize(cookie.name, token, { path: '/', httpOnly: true, secure: cookie.secure, sameSite: 'Lax' })
}

/** The "trust this device" mark: like the session cookie, but it outlives the browser session. */
export function setDeviceCookie(cookie: SessionCookie, token: string, lifetimeMs: number): string {
  return serialize(cookie.name, token, {
    path: '/',
    httpOnly: true,
    secure: cookie.secure,
    sameSite: 'Lax',
    maxAge: Math.floor(lifetimeMs / 1000),
  })
}

export function clearSessionCookie(cookie: SessionCookie): string {
  return serialize(cookie.name, '', {
    path: '/',
    httpOnly: true,
    secure: cookie.secure,
    sameSite: 'Lax',
    maxAge: 0,
  })
}

/**
 * Reads tapgate's cookie from a Cookie header and returns the header without it: the panel never
 * sees tapgate's session token. One pass, no allocation when the header has no tapgate cookie.
 */
export function takeCookie(
  header: string | undefined,
  name: string,
): { value: string | undefined; rest: string | undefined } {
  if (!header?.includes(name)) return { value: undefined, rest: header }
  let value: string | undefined
  const rest: string[] = []
  for (const pair of header.split(';')) {
    const trimmed = pair.trim()
    const eq = trimmed.indexOf('=')
    if (eq > 0 && trimmed.slice(0, eq) === name) value ??= trimmed.slice(eq + 1)
    else if (trimmed) rest.push(trimmed)
  }
  return { value, rest: rest.length > 0 ? rest.join('; ') : undefined }
}

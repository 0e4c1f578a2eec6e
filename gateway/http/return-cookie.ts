import { serialize } from 'hono/utils/cookie'
import type { SessionCookie } from './cookies.ts'
import { safeRedirectTarget } from './redirect-target.ts'

/** Long enough to type a password and a code, short enough not to surprise a later sign-in. */
const keptForSeconds = 10 * 60

/**
 * The page a browser asked for when it was sent to the panel's login page (whose own "next" tapgate
 * cannot know): where the sign-in lands once both factors pass.
 */
export function setReturnCookie(cookie: SessionCookie, target: string): string {
  return serialize(cookie.name, target, {
    path: '/',
    httpOnly: true,
    secure: cookie.secure,
    sameSite: 'Lax',
    maxAge: keptForSeconds,
  })
}

/** The cookie's page, checked like every redirect (same origin, a path); null when none or unusable. */
export function returnTargetOf(value: string | undefined, publicOrigin: string): string | null {
  if (value === undefined) return null
  try {
    return safeRedirectTarget(decodeURIComponent(value), publicOrigin)
  } catch {
    return null
  }
}

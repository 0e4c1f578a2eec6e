/**
 * A post-login destination, accepted only as a same-origin path. Absolute URLs are accepted when they
 * point at tapgate's own public origin and are reduced to their path. Everything else, including
 * `//evil.example`, `/\evil.example`, `javascript:` and control characters, gives null (open
 * redirect defence, DESIGN invariant 4).
 */
export function safeRedirectTarget(
  candidate: string | null | undefined,
  publicOrigin: string,
): string | null {
  if (!candidate || candidate.length > 2048) return null
  // Browsers strip tabs and newlines and treat '\' as '/', so "/\t/evil" or "/\evil" leave the site.
  if (hasControlOrBackslash(candidate)) return null
  let url: URL
  try {
    url = new URL(candidate, publicOrigin)
  } catch {
    return null
  }
  if (url.origin !== publicOrigin) return null
  if (!candidate.startsWith('/') && !candidate.startsWith(publicOrigin)) return null
  return `${url.pathname}${url.search}${url.hash}`
}

function hasControlOrBackslash(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x20 || code === 0x7f || code === 0x5c) return true
  }
  return false
}

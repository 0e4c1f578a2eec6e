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
  if (!candidate.startsWith('/') && !candidate.startsWith(publicOrigin)) return null
  let url: URL
  try {
    url = new URL(candidate, publicOrigin)
  } catch {
    return null
  }
  if (url.origin !== publicOrigin) return null
  // Parsing resolves dot segments and escapes: '/..//evil.example/' comes out as '//evil.example/',
  // which a browser reads as another host. So what comes out is checked again, as it will be sent.
  const target = `${url.pathname}${url.search}${url.hash}`
  return isSameOriginPath(target) ? target : null
}

/**
 * Whether a browser resolves `text` to a path on the current origin: one '/' first, not followed by
 * another or by '\' (that would be a scheme-relative URL: another host), and no '\' or control
 * character anywhere.
 */
function isSameOriginPath(text: string): boolean {
  const second = text.charCodeAt(1)
  return text.charCodeAt(0) === 0x2f && second !== 0x2f && second !== 0x5c && !hasControlOrBackslash(text)
}

function hasControlOrBackslash(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x20 || code === 0x7f || code === 0x5c) return true
  }
  return false
}

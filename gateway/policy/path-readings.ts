/**
 * A normalised path can still name one resource on one panel and another on the next: a framework may
 * decode it again ('%2561' is 'a'), Tomcat and Jetty drop ';' path parameters ('/admin;x' is '/admin'),
 * Windows trims trailing dots and spaces from a name ('/admin.' is '/admin'), best-fit code-page
 * conversion folds compatibility forms ('/ａdmin' is '/admin'), and IIS and case-insensitive file
 * systems ignore case ('/ADMIN' is '/admin'). tapgate cannot know which kind of panel it fronts, so
 * decidePolicy applies the strictest policy over every reading (DESIGN.md, security invariant 1).
 */

const PERCENT = 0x25
const DOT = 0x2e
const SLASH = 0x2f
const SEMICOLON = 0x3b

/** ASCII a normalised path holds unescaped (RFC 3986 unreserved, sub-delims, ':' and '@'), by code. */
const RAW_IN_PATH = new Uint8Array(128)
for (const char of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@") {
  RAW_IN_PATH[char.charCodeAt(0)] = 1
}

/**
 * The path as the most lenient panel reads it, in the normaliser's notation so that rules match it: each
 * segment decoded until nothing changes and NFKC-folded, cut at its first ';', trailing dots and spaces
 * trimmed; the emptied segments dropped. A decoded '?' or '#' ends the path, as for a panel that
 * decodes the path and parses it again as a URL ('/admin%3Fx' is '/admin' to it). The normaliser has
 * refused every path in which this would bring up a '/', a '\' or a dot segment.
 */
export function lenientReading(path: string): string {
  if (!readsDifferently(path)) return path
  const parts = path.split('/')
  const kept: string[] = []
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!
    if (!readsDifferently(part)) {
      if (part !== '' || i === parts.length - 1) kept.push(part)
      continue
    }
    const decoded = decodeFully(part)
    const end = queryOrFragmentStart(decoded)
    const name = encodeAsNormalized(trimDotsAndSpaces(withoutParameters(decoded.slice(0, end))))
    // The path ends here: what followed the '?' or '#' is a query or fragment to this panel.
    if (end < decoded.length) {
      kept.push(name)
      break
    }
    // The last part stays even when empty: it is the trailing slash of '/admin;x/'.
    if (name !== '' || i === parts.length - 1) kept.push(name)
  }
  return `/${kept.join('/')}`
}

/** A '%', a ';' or a segment ending in '.': text without them reads the same everywhere but for case. */
function readsDifferently(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === PERCENT || code === SEMICOLON) return true
    if (code === DOT && (i + 1 === text.length || text.charCodeAt(i + 1) === SLASH)) return true
  }
  return false
}

function decodeFully(segment: string): string {
  let text = segment
  for (;;) {
    const again = decodeOnce(text)
    if (again === text) return isAscii(again) ? again : again.normalize('NFKC')
    text = again
  }
}

/** As UTF-8 when it is, else byte by byte, as a lenient decoder reads it. */
function decodeOnce(text: string): string {
  if (!text.includes('%')) return text
  try {
    return decodeURIComponent(text)
  } catch {
    return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    )
  }
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false
  return true
}

/** Where a '?' or '#' starts in a decoded segment, or its length when neither is there. */
function queryOrFragmentStart(name: string): number {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i)
    if (code === 0x3f || code === 0x23) return i
  }
  return name.length
}

function withoutParameters(name: string): string {
  const parameters = name.indexOf(';')
  return parameters === -1 ? name : name.slice(0, parameters)
}

function trimDotsAndSpaces(name: string): string {
  let end = name.length
  while (end > 0 && (name[end - 1] === '.' || name[end - 1] === ' ')) end--
  return name.slice(0, end)
}

function encodeAsNormalized(name: string): string {
  let out = ''
  for (const char of name) {
    const code = char.charCodeAt(0)
    // Upper-case hex, as the normaliser writes it; a lone surrogate cannot come out of decoding.
    out += code < 0x80 && RAW_IN_PATH[code] === 1 ? char : encodeURIComponent(char)
  }
  return out
}

/** ASCII only suffices: the normaliser keeps every non-ASCII character percent-encoded. */
export function hasUpperCase(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i)
    if (code >= 0x41 && code <= 0x5a) return true
  }
  return false
}

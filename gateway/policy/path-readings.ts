/**
 * A normalised path can still name one resource on one panel and another on the next: a framework may
 * decode it again ('%2561' is 'a'), Tomcat and Jetty drop ';' path parameters ('/admin;x' is '/admin'),
 * Windows trims trailing dots and spaces from a name ('/admin.' is '/admin'), best-fit code-page
 * conversion folds compatibility forms ('/ａdmin' is '/admin'), and IIS and case-insensitive file
 * systems ignore case ('/ADMIN' is '/admin'). tapgate cannot know which kind of panel it fronts, so
 * decidePolicy applies the strictest policy over every reading (DESIGN.md, security invariant 1).
 */

/** A '%', a ';' or a segment ending in '.': paths without them read the same everywhere but for case. */
const LENIENT_READING_DIFFERS = /[%;]|\.(?:\/|$)/

/** ASCII a normalised path holds unescaped (RFC 3986 unreserved, sub-delims, ':' and '@'). */
const RAW_IN_PATH = /[A-Za-z0-9\-._~!$&'()*+,;=:@]/

/**
 * The path as the most lenient panel reads it, in the normaliser's notation so that rules match it: each
 * segment decoded until nothing changes and NFKC-folded, cut at its first ';', trailing dots and spaces
 * trimmed; the emptied segments dropped. The normaliser has refused every path in which this would
 * bring up a '/', a '\' or a dot segment.
 */
export function lenientReading(path: string): string {
  if (!LENIENT_READING_DIFFERS.test(path)) return path
  const parts = path.split('/')
  const kept: string[] = []
  for (let i = 1; i < parts.length; i++) {
    const name = encodeAsNormalized(trimDotsAndSpaces(withoutParameters(decodeFully(parts[i]!))))
    // The last part stays even when empty: it is the trailing slash of '/admin;x/'.
    if (name !== '' || i === parts.length - 1) kept.push(name)
  }
  return `/${kept.join('/')}`
}

function decodeFully(segment: string): string {
  let text = segment
  for (;;) {
    const again = decodeOnce(text)
    if (again === text) return again.normalize('NFKC')
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
    if (RAW_IN_PATH.test(char)) out += char
    else {
      // Upper-case hex, as the normaliser writes it; a lone surrogate cannot come out of decoding.
      out += encodeURIComponent(char)
    }
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

/**
 * The one path normaliser. Rules are matched on its output, and exactly that output is what the panel
 * receives, so a path cannot be read one way by tapgate and another way by the panel (DESIGN.md, security
 * invariant 1). Anything two servers could reasonably read differently is rejected (400) rather than
 * guessed at.
 */

export const PATH_REJECTIONS = {
  notOriginForm: "request-target is not origin-form (it must start with '/')",
  fragment: "request-target contains '#'",
  rawByte: 'request-target contains a control character, a space or a non-ASCII byte',
  rawBackslash: 'path contains a backslash',
  badEscape: 'path contains an invalid or truncated percent-escape',
  encodedSlash: "path contains an encoded '/' (%2F)",
  encodedBackslash: "path contains an encoded '\\' (%5C)",
  encodedControl: 'path contains an encoded control character (%00-%1F, %7F)',
  badUtf8: 'path contains percent-encoded bytes that are not well-formed UTF-8',
  slashLike: "path segment contains a character that may be read as '/' or '\\'",
  disguisedDotSegment: "path segment may be read as '.' or '..'",
  doubleEncoded:
    "path segment decoded twice holds a '/', '\\', control character, dot segment or bad UTF-8 (%252E%252E, %25C0%25AE)",
  parentOfQueryOrFragment:
    "'..' removes a segment holding an encoded '?' or '#', where a panel that decodes and re-parses the path ends it",
} as const

export type PathRejection = (typeof PATH_REJECTIONS)[keyof typeof PATH_REJECTIONS]

export type NormalizedTarget =
  | { ok: true; path: string; query: string }
  | { ok: false; reason: PathRejection }

const SLASH = 0x2f
const BACKSLASH = 0x5c
const PERCENT = 0x25
const HASH = 0x23
const DOT = 0x2e

/**
 * Characters NFKC leaves alone but that look like, or are folded by Windows "best-fit" code-page
 * conversion into, '/' or '\': fraction slash, division slash, set minus, reverse solidus operator,
 * big solidus, big reverse solidus, and the yen and won signs that code pages 932 and 949 put at 0x5C.
 * NFKC's own '/' and '\' forms (U+FF0F, U+FF3C, U+FE68) are caught after folding.
 */
const SLASH_LIKE = new Set([
  '/',
  '\\',
  '\u2044',
  '\u2215',
  '\u2216',
  '\u29f5',
  '\u29f8',
  '\u29f9',
  '\u00a5',
  '\u20a9',
])

/**
 * Normalises a raw HTTP request-target (Node's `req.url`). `query` is everything from the first '?'
 * (with the '?'), passed upstream untouched and never matched. The path is normalised per RFC 3986
 * §6.2.2: only unreserved characters are decoded (§2.3; decoding anything else changes meaning, §2.2),
 * other escapes keep their byte and get upper-case hex (§6.2.2.1), duplicate slashes are collapsed, then
 * dot-segments are removed (§5.2.4). Decoding happens before dot removal, so '%2e%2e' is '..'.
 */
export function normalizePath(target: string): NormalizedTarget {
  // RFC 9112 §3.2.1: origin-form is the only form a server that is not a forward proxy serves;
  // absolute-form, authority-form and '*' are refused here.
  if (target.charCodeAt(0) !== SLASH) return reject(PATH_REJECTIONS.notOriginForm)
  for (let i = 0; i < target.length; i++) {
    const code = target.charCodeAt(i)
    // RFC 3986 §2: a URI is printable US-ASCII. Node's parser hands raw bytes ≥ 0x80 over as Latin-1 chars.
    if (code < 0x21 || code > 0x7e) return reject(PATH_REJECTIONS.rawByte)
    // RFC 9110 §7.1: user agents never send the fragment, so one in a request-target is crafted.
    if (code === HASH) return reject(PATH_REJECTIONS.fragment)
  }

  const queryStart = target.indexOf('?')
  const rawPath = queryStart === -1 ? target : target.slice(0, queryStart)
  const query = queryStart === -1 ? '' : target.slice(queryStart)

  // Most paths are normal already: nothing escaped, no backslash, no empty or dot segment.
  if (isPlain(rawPath)) return { ok: true, path: rawPath, query }
  const path = normalizeSegments(rawPath)
  return typeof path === 'string' ? { ok: true, path, query } : path
}

/**
 * The path part of a target (from its '/', without the query) segment by segment: escapes, duplicate
 * slashes, dot segments. Exported for the test that holds normalizePath's shortcut to it.
 */
export function normalizeSegments(rawPath: string): string | { ok: false; reason: PathRejection } {
  const rawSegments = rawPath.split('/')
  const segments: string[] = []
  // Only the last segment's kind decides it: '/a/', '/a/.' and '/a/b/..' end in '/' (RFC 3986 §5.2.4).
  let trailingSlash = false
  for (let s = 1; s < rawSegments.length; s++) {
    const raw = rawSegments[s]!
    // An empty segment is a duplicate slash; collapsing it first means '/api//../x' is '/x', as nginx reads it.
    if (raw === '') {
      trailingSlash = true
      continue
    }
    const segment = normalizeSegment(raw)
    if (typeof segment !== 'string') return segment
    trailingSlash = segment === '.' || segment === '..'
    if (segment === '..') {
      // '/api/x%3F/../y' is '/api/y' here but '/api/x' (query '/../y') to a decode-and-reparse panel.
      const parent = segments.pop()
      if (parent?.includes('%') && holdsQueryOrFragment(parent)) {
        return reject(PATH_REJECTIONS.parentOfQueryOrFragment)
      }
    } else if (segment !== '.') segments.push(segment)
  }
  if (segments.length === 0) return '/'
  return `/${segments.join('/')}${trailingSlash ? '/' : ''}`
}

/**
 * A path the segment loop would return unchanged: no '%' or '\' anywhere, and no '/' followed by
 * another '/' (a duplicate) or by a '.' (perhaps a dot segment). A single trailing '/' is kept as it is.
 */
function isPlain(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i)
    if (code === PERCENT || code === BACKSLASH) return false
    if (code === SLASH) {
      const next = path.charCodeAt(i + 1)
      if (next === SLASH || next === DOT) return false
    }
  }
  return true
}

function reject(reason: PathRejection): { ok: false; reason: PathRejection } {
  return { ok: false, reason }
}

/** One segment (no raw '/') → its normal form, or the rejection. */
function normalizeSegment(raw: string): string | { ok: false; reason: PathRejection } {
  let out = ''
  let copiedTo = 0
  let escaped = false
  let nonAscii = false
  for (let i = 0; i < raw.length; ) {
    const code = raw.charCodeAt(i)
    // Windows servers and some frameworks treat '\' as a separator.
    if (code === BACKSLASH) return reject(PATH_REJECTIONS.rawBackslash)
    if (code !== PERCENT) {
      i++
      continue
    }
    const byte = escapeAt(raw, i)
    if (byte < 0) return reject(PATH_REJECTIONS.badEscape)
    // An encoded separator splits the path differently for servers that decode before splitting.
    if (byte === SLASH) return reject(PATH_REJECTIONS.encodedSlash)
    if (byte === BACKSLASH) return reject(PATH_REJECTIONS.encodedBackslash)
    // NUL truncates paths in C-based servers; CR/LF/TAB split or smuggle in logs and headers.
    if (byte < 0x20 || byte === 0x7f) return reject(PATH_REJECTIONS.encodedControl)
    out += raw.slice(copiedTo, i)
    escaped = true
    if (byte >= 0x80) {
      const length = utf8SequenceLength(raw, i, byte)
      if (length === 0) return reject(PATH_REJECTIONS.badUtf8)
      out += raw.slice(i, i + 3 * length).toUpperCase()
      i += 3 * length
      nonAscii = true
    } else if (isUnreserved(byte)) {
      out += String.fromCharCode(byte)
      i += 3
    } else {
      out += raw.slice(i, i + 3).toUpperCase()
      i += 3
    }
    copiedTo = i
  }
  const segment = escaped ? out + raw.slice(copiedTo) : raw
  if (segment === '.' || segment === '..') return segment
  if (escaped && segment.includes('%25') && changesShapeWhenDecodedAgain(segment)) {
    return reject(PATH_REJECTIONS.doubleEncoded)
  }

  if (nonAscii) {
    // Cannot throw: every escape was checked above and every non-ASCII sequence is well-formed UTF-8.
    const folded = decodeURIComponent(segment).normalize('NFKC')
    for (const char of folded) {
      if (SLASH_LIKE.has(char)) return reject(PATH_REJECTIONS.slashLike)
    }
    if (isDisguisedDotSegment(folded)) return reject(PATH_REJECTIONS.disguisedDotSegment)
  } else if (segment.charCodeAt(0) === DOT && isDisguisedDotSegment(decodeURIComponent(segment))) {
    return reject(PATH_REJECTIONS.disguisedDotSegment)
  }
  return segment
}

/**
 * Whether a panel that decodes the path again (a framework decoding after the web server did, IIS's old
 * double decode) would read this segment as a separator, a control character or a dot segment:
 * '%252e%252e' is '%2e%2e' to tapgate and '..' to it. Escapes that are not well-formed UTF-8 after a
 * decode are refused too ('%25c0%25ae' is '%c0%ae', an overlong '.' that lenient decoders read as '.'),
 * as in the first decode. Decoded until nothing changes, since each pass shortens the text. A literal
 * '%' elsewhere ('100%25') is left alone.
 */
function changesShapeWhenDecodedAgain(segment: string): boolean {
  // Cannot throw: the caller checked every escape and every UTF-8 sequence.
  let text = decodeURIComponent(segment)
  for (;;) {
    if (hasMalformedUtf8Escape(text)) return true
    const again = decodeLeniently(text)
    if (again === text) return false
    for (const char of again) {
      const code = char.charCodeAt(0)
      if (SLASH_LIKE.has(char) || code < 0x20 || code === 0x7f) return true
    }
    if (isDisguisedDotSegment(again)) return true
    text = again
  }
}

/** Whether `text` holds an escape of a byte ≥ 0x80 that does not start a well-formed UTF-8 sequence. */
function hasMalformedUtf8Escape(text: string): boolean {
  for (let i = text.indexOf('%'); i !== -1; i = text.indexOf('%', i + 1)) {
    const byte = escapeAt(text, i)
    if (byte < 0x80) continue
    const length = utf8SequenceLength(text, i, byte)
    if (length === 0) return true
    i += 3 * length - 1
  }
  return false
}

/**
 * Whether decoding a segment (as often as a panel might, with NFKC) brings up a '?' or '#': a panel
 * that decodes the path and parses it again as a URL ends the path there.
 */
function holdsQueryOrFragment(segment: string): boolean {
  let text = segment
  for (;;) {
    const again = decodeLeniently(text)
    if (again.includes('?') || again.includes('#')) return true
    if (again === text) return false
    text = again
  }
}

/** One more decode, NFKC-folded when it is UTF-8, else byte by byte as a lenient decoder reads it. */
function decodeLeniently(text: string): string {
  try {
    return decodeURIComponent(text).normalize('NFKC')
  } catch {
    return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    )
  }
}

/**
 * A segment, decoded and NFKC-folded, that is not exactly '.' or '..' but that some server reads as one:
 * dots followed by path parameters ('..;', '.;x': Tomcat and Jetty strip ';…' before resolving, so
 * '/api/..;/admin' is '/admin' to them), or by a '?' or '#' ('..%3F': a panel that decodes the path
 * and parses it again ends the path there), dots with trailing dots or spaces ('...', '.. ': Windows
 * trims them from a name), or compatibility forms such as U+2025 TWO DOT LEADER.
 */
function isDisguisedDotSegment(text: string): boolean {
  if (text.charCodeAt(0) !== DOT) return false
  for (let i = 1; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (endsDotStem(code)) return true
    if (code !== DOT && code !== 0x20) return false
  }
  return true
}

/** ';' (path parameters), '?' and '#' (query and fragment, after a re-parse). */
function endsDotStem(code: number): boolean {
  return code === 0x3b || code === 0x3f || code === HASH
}

/** The byte of the escape '%XX' at `i`, or -1 when there is none (truncated or not hex). */
function escapeAt(text: string, i: number): number {
  if (text.charCodeAt(i) !== PERCENT || i + 2 >= text.length) return -1
  const high = hexValue(text.charCodeAt(i + 1))
  const low = hexValue(text.charCodeAt(i + 2))
  return high < 0 || low < 0 ? -1 : high * 16 + low
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30
  if (code >= 0x41 && code <= 0x46) return code - 0x37
  if (code >= 0x61 && code <= 0x66) return code - 0x57
  return -1
}

/**
 * Length in bytes of the escaped UTF-8 sequence led by `lead` at `i`, or 0 when it is not well-formed
 * (RFC 3629 §4). The narrowed second-byte ranges refuse overlong forms (%C0%AF, %E0%80%AE: the old '/'
 * and '.' smuggling), UTF-16 surrogates and code points above U+10FFFF.
 */
function utf8SequenceLength(text: string, i: number, lead: number): number {
  let length: number
  let low = 0x80
  let high = 0xbf
  if (lead >= 0xc2 && lead <= 0xdf) length = 2
  else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3
    if (lead === 0xe0) low = 0xa0
    else if (lead === 0xed) high = 0x9f
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4
    if (lead === 0xf0) low = 0x90
    else if (lead === 0xf4) high = 0x8f
  } else return 0
  for (let n = 1; n < length; n++) {
    const byte = escapeAt(text, i + 3 * n)
    if (byte < low || byte > high) return 0
    low = 0x80
    high = 0xbf
  }
  return length
}

/** RFC 3986 §2.3: ALPHA / DIGIT / '-' / '.' / '_' / '~'. */
function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2d ||
    byte === DOT ||
    byte === 0x5f ||
    byte === 0x7e
  )
}

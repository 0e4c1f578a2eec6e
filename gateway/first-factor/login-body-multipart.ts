import { isUtf8 } from 'node:buffer'
import { randomUUID } from 'node:crypto'

export interface MultipartFile {
  filename: string
  contentType: string | null
  bytes: Buffer
}

export interface MultipartPart {
  name: string
  value: string | MultipartFile
}

const CRLF = Buffer.from('\r\n')
const HEADERS_END = Buffer.from('\r\n\r\n')

/**
 * Django looks for a part's headers in the first 1024 bytes after the boundary and skips a part whose
 * headers run past them; PHP reads it.
 */
const MAX_PART_HEADER_BYTES = 1000

/** What browsers and curl send, and nothing else: `form-data; name="…"` then `; filename="…"`. */
const DISPOSITION = /^form-data; name="([^"\\]*)"(?:; filename="([^"\\]*)")?$/
const HEADER_LINE = /^([A-Za-z-]+): ?(.*)$/
const CONTROL = /\p{Cc}/u
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

/**
 * A multipart/form-data body in the one shape browsers send, so that PHP, Django and tapgate cannot
 * split it differently. Refused as malformed: a preamble (Django may read headers in it), text after
 * the close delimiter (PHP and Django read parts past "--B--"), a boundary string anywhere but at the
 * start of a CRLF-ended line (PHP finds one after a bare LF or with text after it; Django finds one
 * anywhere), a header other than one Content-Disposition and one Content-Type, and parameters other
 * than name and filename (Django decodes `name*=UTF-8''…`, PHP keeps the last of two `name=`; both
 * unescape '\'). Not the platform's Response.formData(): it reads a base64 part as its encoded text
 * (Django decodes it), refuses other shapes without saying why, and its serialiser turns a value's
 * "\n" into "\r\n".
 */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] | 'not_utf8' | 'malformed' {
  const delimiter = Buffer.from(`--${boundary}`)
  const starts = occurrences(body, delimiter)
  if (starts[0] !== 0) return 'malformed'
  const parts: MultipartPart[] = []
  for (const [k, start] of starts.entries()) {
    const after = start + delimiter.length
    const next = starts[k + 1]
    if (next === undefined) {
      const close = body.toString('latin1', after)
      return close === '--' || close === '--\r\n' ? parts : 'malformed'
    }
    if (!isCrlfAt(body, after) || !isCrlfAt(body, next - 2) || next - 2 < after + 2) return 'malformed'
    const part = parsePart(body.subarray(after + 2, next - 2))
    if (typeof part === 'string') return part
    parts.push(part)
  }
  return 'malformed'
}

/** The parts written back under a fresh random boundary, which no part can contain. */
export function serialiseMultipart(parts: readonly MultipartPart[]): { body: Buffer; boundary: string } {
  const boundary = `tapgate-${randomUUID()}`
  const chunks = parts.flatMap(({ name, value }) => {
    const head = typeof value === 'string' ? textPartHead(name) : filePartHead(name, value)
    const content = typeof value === 'string' ? Buffer.from(value) : value.bytes
    return [Buffer.from(`--${boundary}\r\n${head}\r\n\r\n`), content, CRLF]
  })
  return { body: Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]), boundary }
}

function textPartHead(name: string): string {
  return `Content-Disposition: form-data; name="${name}"`
}

function filePartHead(name: string, { filename, contentType }: MultipartFile): string {
  const type = contentType === null ? '' : `\r\nContent-Type: ${contentType}`
  return `${textPartHead(name)}; filename="${filename}"${type}`
}

function parsePart(part: Buffer): MultipartPart | 'not_utf8' | 'malformed' {
  const headersEnd = part.indexOf(HEADERS_END)
  if (headersEnd === -1 || headersEnd + HEADERS_END.length > MAX_PART_HEADER_BYTES) return 'malformed'
  const head = part.subarray(0, headersEnd)
  if (!isUtf8(head)) return 'not_utf8'
  const headers = new Map<string, string>()
  for (const line of head.toString('utf8').split('\r\n')) {
    const match = HEADER_LINE.exec(line)
    if (match === null || CONTROL.test(line)) return 'malformed'
    const name = match[1]!.toLowerCase()
    if (headers.has(name) || (name !== 'content-disposition' && name !== 'content-type')) return 'malformed'
    headers.set(name, match[2]!)
  }
  const disposition = DISPOSITION.exec(headers.get('content-disposition') ?? '')
  const contentType = headers.get('content-type') ?? null
  if (disposition === null || (contentType !== null && !PRINTABLE_ASCII.test(contentType))) return 'malformed'
  const name = disposition[1]!
  const filename = disposition[2]
  const content = part.subarray(headersEnd + HEADERS_END.length)
  // `filename=""` makes a file too, as for PHP (Django reads that part as text): a username must be text.
  // A text part's own Content-Type is dropped: PHP and Django read every text part as the request's UTF-8.
  if (filename !== undefined) return { name, value: { filename, contentType, bytes: content } }
  return isUtf8(content) ? { name, value: content.toString('utf8') } : 'not_utf8'
}

/** Every index where `needle` starts, overlapping ones too. */
function occurrences(haystack: Buffer, needle: Buffer): number[] {
  const found: number[] = []
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) found.push(at)
  return found
}

function isCrlfAt(bytes: Buffer, at: number): boolean {
  return at >= 0 && bytes[at] === 0x0d && bytes[at + 1] === 0x0a
}

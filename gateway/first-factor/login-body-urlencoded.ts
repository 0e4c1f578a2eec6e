import { isUtf8 } from 'node:buffer'

export interface FormPair {
  name: string
  value: string
}

const AMPERSAND = 0x26
const EQUALS = 0x3d
const PLUS = 0x2b
const PERCENT = 0x25

/**
 * application/x-www-form-urlencoded (a body, or a query without its '?') read as PHP and Django read
 * it: split on '&' only (PHP's arg_separator.input; Python's parse_qsl since 3.9.2), at the first '=',
 * '+' is a space, '%XX' a byte and any other '%' itself. Unlike URLSearchParams, bytes that are not
 * UTF-8 are refused instead of becoming U+FFFD: PHP would keep them and Django would replace them.
 */
export function parseUrlencoded(bytes: Buffer): FormPair[] | 'not_utf8' {
  // Checked whole first as well: Django decodes a body that is not UTF-8 as Latin-1 before it
  // unescapes, so "%C3" next to a raw "\xA9" means something else to it than to PHP.
  if (!isUtf8(bytes)) return 'not_utf8'
  const pairs: FormPair[] = []
  let start = 0
  while (start <= bytes.length) {
    const end = nextIndex(bytes, AMPERSAND, start)
    const piece = bytes.subarray(start, end)
    start = end + 1
    if (piece.length === 0) continue
    const equals = nextIndex(piece, EQUALS, 0)
    const name = unescapeComponent(piece.subarray(0, equals))
    const value = unescapeComponent(piece.subarray(equals + 1))
    if (name === null || value === null) return 'not_utf8'
    pairs.push({ name, value })
  }
  return pairs
}

/** The pairs written back, every character that is not alphanumeric or "*-._" percent-encoded. */
export function serialiseUrlencoded(pairs: readonly FormPair[]): string {
  return new URLSearchParams(pairs.map(({ name, value }): [string, string] => [name, value])).toString()
}

function nextIndex(bytes: Buffer, byte: number, from: number): number {
  const at = bytes.indexOf(byte, from)
  return at === -1 ? bytes.length : at
}

function unescapeComponent(escaped: Buffer): string | null {
  const bytes = Buffer.alloc(escaped.length)
  let length = 0
  for (let i = 0; i < escaped.length; i++) {
    const byte = escaped[i]!
    const hex = byte === PERCENT ? escaped.toString('latin1', i + 1, i + 3) : ''
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes[length++] = Number.parseInt(hex, 16)
      i += 2
    } else {
      bytes[length++] = byte === PLUS ? 0x20 : byte
    }
  }
  const unescaped = bytes.subarray(0, length)
  return isUtf8(unescaped) ? unescaped.toString('utf8') : null
}

import { isUtf8 } from 'node:buffer'

/** One member of a JSON object, in order: duplicates stay, as separate members. */
export interface JsonMember {
  name: string
  value: unknown
  /** The member's value as sent, so that numbers beyond a double's precision pass unchanged. */
  text: string
}

/**
 * A JSON body whose top level is an object, as its members. JSON.parse keeps only the last of two
 * equal keys, as Python's json and PHP's json_decode do; the members are read from the text to see
 * them all.
 */
export function parseJsonObject(bytes: Buffer): JsonMember[] | 'not_utf8' | 'malformed' {
  if (!isUtf8(bytes)) return 'not_utf8'
  // A BOM stays in the text, so JSON.parse refuses it (Python's json.loads(bytes) would skip it).
  const text = bytes.toString('utf8')
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return 'malformed'
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'malformed'
  return topLevelMembers(text)
}

/** The object written back member by member, each value as it was sent. */
export function serialiseJsonObject(members: readonly JsonMember[]): string {
  return `{${members.map((member) => `${JSON.stringify(member.name)}:${member.text}`).join(',')}}`
}

/** Scans text that JSON.parse has accepted, so it only needs to find where each member starts and ends. */
function topLevelMembers(text: string): JsonMember[] {
  const members: JsonMember[] = []
  let at = skipSpace(text, skipSpace(text, 0) + 1)
  while (text[at] === '"') {
    const nameEnd = stringEnd(text, at)
    const valueStart = skipSpace(text, skipSpace(text, nameEnd) + 1)
    const valueEnd = valueEndAt(text, valueStart)
    const value = text.slice(valueStart, valueEnd)
    const name = JSON.parse(text.slice(at, nameEnd)) as string
    members.push({ name, value: JSON.parse(value) as unknown, text: value })
    at = skipSpace(text, valueEnd)
    if (text[at] === ',') at = skipSpace(text, at + 1)
  }
  return members
}

function skipSpace(text: string, at: number): number {
  while (text[at] === ' ' || text[at] === '\t' || text[at] === '\n' || text[at] === '\r') at++
  return at
}

/** The index just past the string that opens at `at`. */
function stringEnd(text: string, at: number): number {
  for (let i = at + 1; ; i++) {
    if (text[i] === '\\') i++
    else if (text[i] === '"') return i + 1
  }
}

/** The index just past the value that starts at `at`: a string, an object or array, or a literal. */
function valueEndAt(text: string, at: number): number {
  let depth = 0
  for (let i = at; i < text.length; i++) {
    const char = text[i]
    if (char === '"') {
      i = stringEnd(text, i) - 1
      if (depth === 0) return i + 1
    } else if (char === '{' || char === '[') {
      depth++
    } else if (char === '}' || char === ']') {
      if (depth === 0) return i
      if (--depth === 0) return i + 1
    } else if (
      depth === 0 &&
      (char === ',' || char === ' ' || char === '\t' || char === '\n' || char === '\r')
    ) {
      return i
    }
  }
  return text.length
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+"
/** A quoted string without escapes or controls: PHP and Django unescape '\\' differently. */
const QUOTED = '"[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*"'
/** `type/subtype`, then `;name=value` parameters: no space before a ';' and none at the end. */
const MEDIA_TYPE = new RegExp(`^(${TOKEN}/${TOKEN})((?:;[ \\t]*${TOKEN}=(?:${TOKEN}|${QUOTED}))*)$`)
const PARAMETER = new RegExp(`;[ \\t]*(${TOKEN})=(${TOKEN}|${QUOTED})`, 'g')

export interface MediaType {
  /** Lower-cased: PHP lower-cases it too (Django does not, and reads no form under "Application/…"). */
  type: string
  /** Names lower-cased, values unquoted. */
  parameters: Map<string, string>
}

/** A Content-Type header read strictly; null when it is anything else or names a parameter twice. */
export function mediaType(header: string): MediaType | null {
  const match = MEDIA_TYPE.exec(header)
  if (match === null) return null
  const parameters = new Map<string, string>()
  for (const [, name, value] of match[2]!.matchAll(PARAMETER)) {
    const key = name!.toLowerCase()
    if (parameters.has(key)) return null
    parameters.set(key, value!.replace(/^"(.*)"$/, '$1'))
  }
  return { type: match[1]!.toLowerCase(), parameters }
}

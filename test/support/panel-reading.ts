/** A login request as a panel receives it, for the differential tests' PHP and Django parsers. */
export interface PanelRequest {
  contentType: string | undefined
  body: Buffer
  /** Without its '?': the raw bytes of the request target's query, one character each. */
  query: string
  /** The panel's username field, e.g. 'username' or 'login[user]'. */
  field: string
}

/** What a panel made of a login request. */
export interface PanelReading {
  /** Every top-level field name it registered, after its own name mangling. */
  keys: string[]
  /** The field's value: its bytes when a string, 'other' for an array, a number or a file. */
  value: Buffer | 'other' | null
  /** Django only: the value as a form's CharField cleans it (stripped of Python's whitespace). */
  stripped?: Buffer
  /** Django only: what AuthenticationForm's UsernameField cleans the value to (strip, then NFKC). */
  formUsername?: Buffer | null
  /** How many values the field has when names are compared without case, as ASP.NET binds them. */
  matches: number
  /** A warning or error the parser raised: PHP's max_input_vars, Django's TooManyFieldsSent. */
  error: string | null
}

/** The JSON line a parser script reads. */
export function requestLine(request: PanelRequest): string {
  const { contentType, body, query, field } = request
  return JSON.stringify({ contentType: contentType ?? null, body: body.toString('base64'), query, field })
}

interface ReadingLine {
  keys: string[]
  value: { string: string; stripped?: string; formUsername?: string | null } | { other: true } | null
  matches: number
  error: string | null
}

/** The JSON line a parser script answers, strings decoded from base64. */
export function parseReadingLine(line: string): PanelReading {
  const answer = JSON.parse(line) as ReadingLine
  const bytes = (base64: string) => Buffer.from(base64, 'base64')
  const reading: PanelReading = {
    keys: answer.keys.map((key) => bytes(key).toString('utf8')),
    value: answer.value === null ? null : 'string' in answer.value ? bytes(answer.value.string) : 'other',
    matches: answer.matches,
    error: answer.error,
  }
  if (answer.value !== null && 'string' in answer.value && answer.value.stripped !== undefined) {
    const { stripped, formUsername } = answer.value
    reading.stripped = bytes(stripped)
    reading.formUsername = formUsername === null || formUsername === undefined ? null : bytes(formUsername)
  }
  return reading
}

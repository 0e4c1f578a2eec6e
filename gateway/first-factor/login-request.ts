import { type JsonMember, parseJsonObject, serialiseJsonObject } from './login-body-json.ts'
import { type MultipartPart, parseMultipart, serialiseMultipart } from './login-body-multipart.ts'
import { type FormPair, parseUrlencoded, serialiseUrlencoded } from './login-body-urlencoded.ts'
import { mediaType } from './login-content-type.ts'
import { readsAsField } from './login-field-name.ts'
import { checkUsername, hasHiddenCharacters, type UsernameAlphabet } from './login-username.ts'

export interface LoginFieldSettings {
  /** e.g. 'username' (Django), 'u' (DokuWiki) */
  usernameField: string
  /** e.g. 'password', 'p' */
  passwordField: string
  usernames: UsernameAlphabet
}

export type LoginRefusal =
  /** not urlencoded, multipart/form-data or JSON, or a charset other than UTF-8 */
  | 'unsupported_content_type'
  /** bytes or percent-escapes that are not UTF-8 */
  | 'not_utf8'
  /**
   * unparsable JSON or multipart, a JSON top level that is not an object, a field name with hidden
   * characters, more than 1000 fields
   */
  | 'malformed'
  /** more than one field, in the body and the query together, that a panel may read as the username */
  | 'ambiguous_username'
  /**
   * the username is missing, not a string, empty after trimming, longer than 256, or has hidden or
   * (ascii mode) non-ASCII characters
   */
  | 'bad_username'

export type LoginReading =
  /** No field, in the body or the query, reads as the username or the password field: not a login. */
  | { kind: 'none' }
  | {
      kind: 'login'
      username: string
      /** The body to forward instead of the one received, and its content type. */
      body: Buffer | null
      contentType: string | undefined
      /** The query to forward, '' or '?…'. */
      query: string
      /** Every value of the field named exactly `field`, the body's then the query's. */
      values(field: string): string[]
    }
  | { kind: 'refused'; reason: LoginRefusal }

export interface LoginRequest {
  contentType: string | undefined
  body: Buffer | null
  /** '' or '?a=b…', raw from the request target */
  query: string
}

/** PHP stops reading fields past max_input_vars (1000) and Django refuses more than its 1000 too. */
const MAX_FIELDS = 1000

const URLENCODED = 'application/x-www-form-urlencoded'
const JSON_TYPE = 'application/json'
const MULTIPART = 'multipart/form-data'

/** RFC 2046's boundary characters, without the space and the ',' at which PHP ends an unquoted one. */
const BOUNDARY = /^[0-9A-Za-z'()+_\-./:=?]{1,70}$/

/** A body or a query: its fields in order, and how to write it back with the username set. */
interface FieldSource<Field extends { name: string; value: unknown } = { name: string; value: unknown }> {
  fields: readonly Field[]
  /** The source written back, with field `at` (when not null) holding `username`. */
  write(at: number | null, username: string): { bytes: Buffer | null; contentType: string | undefined }
}

/**
 * The login in a request to the panel's login path, read the way tapgate binds it: the username is
 * read strictly, anything that a panel might read differently is refused, and the body and query to
 * forward are written anew from what was read, so the panel sees the very username tapgate bound.
 */
export function readLoginRequest(request: LoginRequest, settings: LoginFieldSettings): LoginReading {
  const query = querySource(request.query)
  if (typeof query === 'string') return refused(query)
  const body = bodySource(request.contentType, request.body)
  if (typeof body === 'string') return refused(body)
  const sources = [body, query]
  if (sources.some((source) => source.fields.length > MAX_FIELDS)) return refused('malformed')
  const fields = sources.flatMap((source) => source.fields.map((field, at) => ({ ...field, source, at })))
  // A NUL ends a name for PHP ("username%00x" is "username"); other hidden characters are refused alike.
  if (fields.some((field) => hasHiddenCharacters(field.name))) return refused('malformed')

  const readsAsUsername = readsAsField(settings.usernameField)
  const readsAsPassword = readsAsField(settings.passwordField)
  const usernames = fields.filter((field) => readsAsUsername(field.name))
  if (usernames.length === 0 && !fields.some((field) => readsAsPassword(field.name))) {
    return { kind: 'none' }
  }
  const [bound, ...others] = usernames
  if (others.length > 0 || (bound !== undefined && bound.name !== settings.usernameField)) {
    return refused('ambiguous_username')
  }
  const username = typeof bound?.value === 'string' ? checkUsername(bound.value, settings.usernames) : null
  if (bound === undefined || username === null) return refused('bad_username')

  const at = (source: FieldSource) => (bound.source === source ? bound.at : null)
  const forwarded = body.write(at(body), username)
  const forwardedQuery = query.write(at(query), username).bytes?.toString('latin1') ?? ''
  return {
    kind: 'login',
    username,
    body: forwarded.bytes,
    contentType: forwarded.contentType,
    query: forwardedQuery === '' ? '' : `?${forwardedQuery}`,
    values: (name) =>
      fields.flatMap((field) => {
        const value = field === bound ? username : field.value
        return field.name === name && typeof value === 'string' ? [value] : []
      }),
  }
}

function refused(reason: LoginRefusal): LoginReading {
  return { kind: 'refused', reason }
}

/** The query is read as urlencoded bytes: Node hands a request target over one byte per character. */
function querySource(query: string): FieldSource | LoginRefusal {
  const text = query.startsWith('?') ? query.slice(1) : query
  const bytes = Buffer.from(text, 'latin1')
  if (bytes.toString('latin1') !== text) return 'not_utf8'
  return urlencodedSource(bytes)
}

function bodySource(contentType: string | undefined, body: Buffer | null): FieldSource | LoginRefusal {
  const media = contentType === undefined ? null : mediaType(contentType)
  // Django decodes the query, as well as the body, in the charset the Content-Type names, even with no body.
  const charset = media?.parameters.get('charset')?.toLowerCase() ?? 'utf-8'
  if ((contentType !== undefined && media === null) || charset !== 'utf-8') return 'unsupported_content_type'
  if (body === null || body.length === 0) return noBody(body)
  if (media === null) return 'unsupported_content_type'
  const { type, parameters } = media
  if (type === MULTIPART) {
    const boundary = parameters.get('boundary')
    if (parameters.size !== 1 || boundary === undefined || !BOUNDARY.test(boundary)) return 'malformed'
    return multipartSource(body, boundary)
  }
  if ([...parameters.keys()].some((name) => name !== 'charset')) return 'unsupported_content_type'
  if (type === URLENCODED) return startsLikeJson(body) ? 'malformed' : urlencodedSource(body)
  if (type === JSON_TYPE) return jsonSource(body)
  return 'unsupported_content_type'
}

/** A login in the query alone: the empty body goes on as it came, with no content type. */
function noBody(body: Buffer | null): FieldSource {
  return { fields: [], write: () => ({ bytes: body, contentType: undefined }) }
}

/**
 * Browsers escape '{' and '[' in a form, so a "form" that opens with one is JSON sent under another
 * name, which a panel that reads php://input or request.body as JSON would read as such.
 */
function startsLikeJson(body: Buffer): boolean {
  const start = body.toString('latin1').trimStart()
  return start.startsWith('{') || start.startsWith('[')
}

function urlencodedSource(bytes: Buffer): FieldSource<FormPair> | LoginRefusal {
  const pairs = parseUrlencoded(bytes)
  if (typeof pairs === 'string') return pairs
  return {
    fields: pairs,
    write: (at, username) => ({
      bytes: Buffer.from(serialiseUrlencoded(withValue(pairs, at, { value: username }))),
      contentType: URLENCODED,
    }),
  }
}

function jsonSource(bytes: Buffer): FieldSource<JsonMember> | LoginRefusal {
  const members = parseJsonObject(bytes)
  if (typeof members === 'string') return members
  return {
    fields: members,
    write: (at, username) => ({
      bytes: Buffer.from(
        serialiseJsonObject(withValue(members, at, { value: username, text: JSON.stringify(username) })),
      ),
      contentType: JSON_TYPE,
    }),
  }
}

function multipartSource(body: Buffer, boundary: string): FieldSource<MultipartPart> | LoginRefusal {
  const parts = parseMultipart(body, boundary)
  if (typeof parts === 'string') return parts
  return {
    fields: parts,
    write: (at, username) => {
      const written = serialiseMultipart(withValue(parts, at, { value: username }))
      return { bytes: written.body, contentType: `${MULTIPART}; boundary=${written.boundary}` }
    },
  }
}

function withValue<Field>(fields: readonly Field[], at: number | null, change: Partial<Field>): Field[] {
  return fields.map((field, i) => (i === at ? { ...field, ...change } : field))
}

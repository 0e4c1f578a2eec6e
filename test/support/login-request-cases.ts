import fc from 'fast-check'
import type { LoginFieldSettings } from '../../gateway/first-factor/login-request.ts'

/** A generated login request: the settings of the panel it is for, and the raw request. */
export interface LoginCase {
  settings: LoginFieldSettings
  contentType: string | undefined
  body: Buffer
  /** Without its '?', request-target safe (visible ASCII but '#'). */
  query: string
}

/** Panels' field pairs: Django's, DokuWiki's, one PHP mangles others into, and a nested PHP array. */
const FIELD_PAIRS = [
  { usernameField: 'username', passwordField: 'password' },
  { usernameField: 'u', passwordField: 'p' },
  { usernameField: 'user_name', passwordField: 'pass_word' },
  { usernameField: 'login[user]', passwordField: 'login[pass]' },
]

const settings: fc.Arbitrary<LoginFieldSettings> = fc
  .tuple(fc.constantFrom(...FIELD_PAIRS), fc.constantFrom('ascii' as const, 'unicode' as const))
  .map(([pair, usernames]) => ({ ...pair, usernames }))

/** Characters panels strip, ignore or cut names at, and ones nobody sees. */
const HIDDEN = [
  '\u0000',
  '\t',
  '\n',
  '\u001f',
  '\u0085',
  '\u00ad',
  '\u034f',
  '\u180e',
  '\u200b',
  '\u202e',
  '\u2028',
  '\u2060',
  '\ufeff',
]

/** `usual` most of the time; one of `unusual` one time in `oneIn`. */
function mostly<T>(usual: T, unusual: readonly T[], oneIn: number): fc.Arbitrary<T> {
  return fc.oneof(
    { weight: oneIn - 1, arbitrary: fc.constant(usual) },
    { weight: 1, arbitrary: fc.constantFrom(...unusual) },
  )
}

/** `arbitrary` one time in `oneIn`, null otherwise. */
function sometimes<T>(arbitrary: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary })
}

type Mutation = (name: string) => string

/** Ways a panel may read one name as another: PHP's mangling, case, compatibility forms, hidden ones. */
const nameMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant((name: string) => name.toUpperCase()),
  fc.constant((name: string) => name.charAt(0).toUpperCase() + name.slice(1)),
  fc.constantFrom(' ', '.', '[').map(
    (c): Mutation =>
      (name) =>
        name.replace('_', c),
  ),
  fc.constantFrom(' ', '  ', '.', '[', ']', '_').map(
    (c): Mutation =>
      (name) =>
        c + name,
  ),
  fc.constantFrom(' ', '.', '[', ']', '[]', '[0]', '[x]y', '[ ]', '[]]', '[[]', '_').map(
    (suffix): Mutation =>
      (name) =>
        name + suffix,
  ),
  fc.constant((name: string) => name.replace(/\[.*$/, '')),
  fc.constant((name: string) => name.replace('[', '[ ')),
  fc.tuple(fc.constantFrom(...HIDDEN), fc.nat(8)).map(
    ([hidden, at]): Mutation =>
      (name) =>
        name.slice(0, at) + hidden + name.slice(at),
  ),
  fc.constant((name: string) => name.replace(/[a-z]/, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))),
  fc.constant((name: string) => name.replace('s', '\u017f').replace('k', '\u212a')),
)

/** Names of the other fields on login forms, and names close to the login fields' but not them. */
const OTHER_NAME = fc.constantFrom(
  'do',
  'remember',
  'sectok',
  'id',
  '',
  'a.b',
  'r[]',
  'usernames',
  'user',
  'login',
)

function fieldName(fields: LoginFieldSettings): fc.Arbitrary<string> {
  const mutated = fc
    .tuple(
      fc.constantFrom(fields.usernameField, fields.usernameField, fields.passwordField),
      fc.array(nameMutation, { maxLength: 2 }),
    )
    .map(([name, mutations]) => mutations.reduce((mutatedName, mutate) => mutate(mutatedName), name))
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(fields.usernameField, fields.passwordField) },
    { weight: 4, arbitrary: mutated },
    { weight: 2, arbitrary: OTHER_NAME },
    { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
  )
}

/** Names a panel can have, in ASCII and beyond. */
const GOOD_USERNAMES = [
  'alice',
  'Alice',
  ' alice ',
  'bob',
  'ali ce',
  'y'.repeat(256),
  '\u0130stanbul',
  'stra\u00dfe',
  '\uff41\uff4c\uff49\uff43\uff45',
  '\u00e1lice',
  'a\u0301lice',
  '\u0430lice',
  '\u00a0alice\u3000',
  '\u00a8alice',
  '\ufb01',
]

/** Values a username must not be, and values that upset a parser. */
const BAD_VALUES = [
  '',
  ' ',
  'alice\u00ad',
  'al\u200bice',
  'alice\u0085',
  '\u001falice',
  'alice\n',
  'alice\t',
  'a&username=eve',
  'a=b',
  'a;username=eve',
  'a+b',
  '%41',
  '\ud83d\ude00',
  '\ufeffalice',
  'alice\u2028',
  'x'.repeat(257),
]

const value = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...GOOD_USERNAMES) },
  { weight: 3, arbitrary: fc.constantFrom(...BAD_VALUES) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 4 }) },
)

/** How a client escapes a name or value: as forms do, every byte, or not at all (so '&', '+', '%' act). */
type Escaping = 'form' | 'every-byte' | 'lower-hex' | 'raw'
const escaping = mostly<Escaping>('form', ['every-byte', 'lower-hex', 'raw'], 2)

const UNRESERVED = /^[A-Za-z0-9*\-._]$/

function escaped(text: string, how: Escaping): Buffer {
  const bytes = Buffer.from(text)
  if (how === 'raw') return bytes
  const hex = (byte: number) => {
    const digits = byte.toString(16).padStart(2, '0')
    return `%${how === 'lower-hex' ? digits : digits.toUpperCase()}`
  }
  const characters = [...bytes].map((byte) => {
    const char = String.fromCharCode(byte)
    if (how === 'form' && UNRESERVED.test(char)) return char
    return how === 'form' && char === ' ' ? '+' : hex(byte)
  })
  return Buffer.from(characters.join(''), 'latin1')
}

/** Escapes and bytes that are not UTF-8, or not even escapes. */
const CORRUPTIONS = [
  '%',
  '%z',
  '%4',
  '%C3',
  '%C3%28',
  '%ED%A0%80',
  '%C0%AF',
  '%F4%90%80%80',
  '%00',
  '\u00ff',
  '\u00c3',
  '\u0000',
].map((corruption) => Buffer.from(corruption, 'latin1'))

const corruption = sometimes(fc.tuple(fc.constantFrom(...CORRUPTIONS), fc.nat(12)), 8)

interface GeneratedField {
  name: string
  value: string
  inQuery: boolean
  nameEscaping: Escaping
  valueEscaping: Escaping
  /** No '=' at all: "username" alone is a name with an empty value. */
  bare: boolean
}

/**
 * Mostly a login (the username and password fields, exactly named) among other fields, any of which
 * may be one more spelling of the username field; sometimes no login. `item` makes one field.
 */
function loginOrNot<T>(
  panel: LoginFieldSettings,
  item: (name: fc.Arbitrary<string>) => fc.Arbitrary<T>,
  maxExtra: number,
): fc.Arbitrary<T[]> {
  const login = fc.tuple(item(fc.constant(panel.usernameField)), item(fc.constant(panel.passwordField)))
  const extra = fc.array(item(fieldName(panel)), { maxLength: maxExtra })
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .tuple(login, extra, fc.nat())
        .map(([[username, password], others, at]) =>
          others.toSpliced(at % (others.length + 1), 0, username, password),
        ),
    },
    {
      weight: 1,
      arbitrary: fc.array(item(fc.oneof({ weight: 2, arbitrary: OTHER_NAME }, fieldName(panel))), {
        minLength: 1,
        maxLength: maxExtra + 1,
      }),
    },
  )
}

function formField(name: fc.Arbitrary<string>): fc.Arbitrary<GeneratedField> {
  return fc.record({
    name,
    value,
    inQuery: mostly(false, [true], 4),
    nameEscaping: escaping,
    valueEscaping: escaping,
    bare: mostly(false, [true], 8),
  })
}

/** A query beside a JSON or multipart body: no field, or a field or two of any name. */
function sideQuery(panel: LoginFieldSettings): fc.Arbitrary<string> {
  const name = fc.oneof({ weight: 2, arbitrary: OTHER_NAME }, fieldName(panel))
  const list = fc.array(formField(name), { minLength: 1, maxLength: 2 })
  return sometimes(list, 3).map((query) =>
    query === null ? '' : requestTargetSafe(urlencoded(query, '&', null)),
  )
}

function urlencoded(list: GeneratedField[], separator: string, damage: [Buffer, number] | null): Buffer {
  const pairs = list.map(({ name, value, nameEscaping, valueEscaping, bare }) =>
    Buffer.concat([
      escaped(name, nameEscaping),
      ...(bare ? [] : [Buffer.from('='), escaped(value, valueEscaping)]),
    ]),
  )
  const joined = Buffer.concat(
    pairs.flatMap((pair, i) => (i === 0 ? [pair] : [Buffer.from(separator), pair])),
  )
  if (damage === null) return joined
  const [bytes, at] = damage
  const cut = Math.min(at, joined.length)
  return Buffer.concat([joined.subarray(0, cut), bytes, joined.subarray(cut)])
}

/** A request target carries no space, control, '#' or non-ASCII byte: those go percent-escaped. */
function requestTargetSafe(query: Buffer): string {
  return [...query]
    .map((byte) =>
      byte > 0x20 && byte < 0x7f && byte !== 0x23
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).padStart(2, '0')}`,
    )
    .join('')
}

const separator = mostly('&', ['&&', ';', '&amp;'], 4)

const form = 'application/x-www-form-urlencoded'

const urlencodedType = mostly<string | undefined>(
  form,
  [
    'application/x-www-form-urlencoded; charset=UTF-8',
    'application/x-www-form-urlencoded;charset="utf-8"',
    'application/x-www-form-urlencoded ; charset=utf-8',
    'application/x-www-form-urlencoded; charset=iso-8859-1',
    'Application/X-WWW-Form-Urlencoded',
    'application/x-www-form-urlencoded, text/plain',
    'application/x-www-form-urlencoded; foo=bar',
    'application/x-www-form-urlencodedx',
    'text/plain',
    'multipart/form-data; boundary=x',
    undefined,
  ],
  3,
)

const jsonType = mostly(
  'application/json',
  [
    'application/json; charset=utf-8',
    'application/json;charset=UTF-8',
    'APPLICATION/JSON',
    'application/json; charset=utf-16',
    'text/json',
    'application/x-www-form-urlencoded',
  ],
  3,
)

/** Empty fields before the login, to reach PHP's max_input_vars and Django's field limit (1000 each). */
function filler(fields: number): Buffer {
  return Buffer.from(Array.from({ length: fields }, (_, i) => `f${i}=&`).join(''))
}

/** Urlencoded logins, in the body, the query or both, including GET logins with no body at all. */
function urlencodedCase(panel: LoginFieldSettings): fc.Arbitrary<LoginCase> {
  return fc
    .record({
      list: loginOrNot(panel, formField, 4),
      separator,
      bodyDamage: corruption,
      queryDamage: corruption,
      contentType: urlencodedType,
      padding: sometimes(fc.constantFrom(995, 1000), 30),
      noBody: mostly(false, [true], 5),
      bodilessType: mostly(undefined, [form, 'text/plain; charset=utf-16', 'text/plain ; charset=utf-16'], 3),
    })
    .map(({ list, separator, bodyDamage, queryDamage, contentType, padding, noBody, bodilessType }) => {
      const inBody = noBody ? [] : list.filter((field) => !field.inQuery)
      const inQuery = list.filter((field) => noBody || field.inQuery)
      const body = inBody.length === 0 ? Buffer.alloc(0) : urlencoded(inBody, separator, bodyDamage)
      return {
        settings: panel,
        contentType: noBody ? bodilessType : contentType,
        body: padding === null || body.length === 0 ? body : Buffer.concat([filler(padding), body]),
        query: inQuery.length === 0 ? '' : requestTargetSafe(urlencoded(inQuery, separator, queryDamage)),
      }
    })
}

/** A JSON value as text: mostly strings, and numbers no double holds, arrays and objects. */
const jsonValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: value.map((text) => JSON.stringify(text)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('0', '12345678901234567890', '1.50', '1e400', '-0', 'true', 'null'),
  },
  { weight: 1, arbitrary: value.map((text) => JSON.stringify([text])) },
  { weight: 1, arbitrary: value.map((text) => JSON.stringify({ username: text })) },
)

/** A key written with every letter as a \u escape, or plainly. */
function jsonKey(name: string, escaped: boolean): string {
  const plain = JSON.stringify(name)
  return escaped
    ? plain.replace(/[a-z]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : plain
}

/** JSON logins: duplicate keys, escaped keys, non-string usernames, and bodies that are not an object. */
function jsonCase(panel: LoginFieldSettings): fc.Arbitrary<LoginCase> {
  const member = (name: fc.Arbitrary<string>) =>
    fc.record({ name, value: jsonValue, escapedKey: fc.boolean() })
  return fc
    .record({
      members: loginOrNot(panel, member, 3),
      space: fc.constantFrom('', ' ', '\n  '),
      shape: mostly('object', ['array', 'bom', 'trailing', 'not-utf8'] as const, 2),
      contentType: jsonType,
      query: sideQuery(panel),
    })
    .map(({ members, space, shape, contentType, query }) => {
      const text = members
        .map(({ name, value, escapedKey }) => `${jsonKey(name, escapedKey)}:${space}${value}`)
        .join(`,${space}`)
      const body = {
        object: `{${space}${text}${space}}`,
        array: `[{${text}}]`,
        bom: `\ufeff{${text}}`,
        trailing: `{${text}} x`,
        'not-utf8': `{${text}}`,
      }[shape]
      return {
        settings: panel,
        contentType,
        body:
          shape === 'not-utf8' ? Buffer.concat([Buffer.from(body), Buffer.from([0xff])]) : Buffer.from(body),
        query,
      }
    })
}

/** Urlencoded, query-only and JSON logins for one of the panels' field pairs. */
export const formOrJsonCase: fc.Arbitrary<LoginCase> = settings.chain((panel) =>
  fc.oneof({ weight: 3, arbitrary: urlencodedCase(panel) }, { weight: 1, arbitrary: jsonCase(panel) }),
)

/** How browsers write a part's Content-Disposition; the oddities below write it otherwise. */
const browserDisposition = (name: string) => `form-data; name="${name}"`

/** One oddity per request at most, each read differently by one parser or another. */
type Oddity =
  | { disposition: (name: string) => string }
  | { header: string }
  | {
      shape:
        | 'preamble'
        | 'part-after-close'
        | 'no-close'
        | 'lf-only'
        | 'boundary-in-value'
        | 'padded-delimiter'
    }

const ODDITIES: Oddity[] = [
  { disposition: (name) => `form-data; name=${name}` },
  { disposition: (name) => `form-data;name="${name}"` },
  { disposition: (name) => `form-data; name="${name}"; filename="f.txt"` },
  { disposition: (name) => `form-data; name="${name}"; filename=""` },
  { disposition: (name) => `form-data; name*=utf-8''${encodeURIComponent(name)}` },
  { disposition: (name) => `form-data; name="decoy"; name="${name}"` },
  { disposition: (name) => `form-data; name="${name}"; name="decoy"` },
  { disposition: (name) => `attachment; name="${name}"` },
  { disposition: (name) => `form-data; NAME="${name}"` },
  { disposition: (name) => `form-data; filename="f.txt"; name="${name}"` },
  { disposition: (name) => `form-data; name="${name}" ` },
  { disposition: (name) => `form-data; name="\\${name}"` },
  { header: 'Content-Type: text/plain; charset=utf-8' },
  { header: 'Content-Type: text/plain; charset=iso-8859-1' },
  { header: 'Content-Transfer-Encoding: base64' },
  { header: `X-Padding: ${'x'.repeat(1100)}` },
  { header: '\tcontinued' },
  { header: 'Content-Disposition: form-data; name="decoy"' },
  { shape: 'preamble' },
  { shape: 'part-after-close' },
  { shape: 'no-close' },
  { shape: 'lf-only' },
  { shape: 'boundary-in-value' },
  { shape: 'padded-delimiter' },
]

const boundary = mostly('----WebKitFormBoundary7MA4YWxkTrZu0gW', ['B', "'()+_-./:=?", 'a b', 'x,y'], 3)

/** Multipart logins, as browsers send them or with one of the oddities. */
export const multipartCase: fc.Arbitrary<LoginCase> = settings.chain((panel) => {
  const part = (name: fc.Arbitrary<string>) =>
    fc.record({
      name,
      value,
      headerName: mostly('Content-Disposition', ['content-disposition'], 3),
    })
  return fc
    .record({
      parts: loginOrNot(panel, part, 3),
      oddity: sometimes(fc.constantFrom(...ODDITIES), 2),
      oddPart: fc.nat(3),
      boundary,
      quoted: mostly(false, [true], 3),
      type: mostly('multipart/form-data', ['Multipart/Form-Data', 'multipart/mixed'], 6),
      closeLine: mostly('\r\n', [''], 3),
      query: sideQuery(panel),
    })
    .map(({ parts, oddity, oddPart, boundary, quoted, type, closeLine, query }) => {
      const shape = oddity !== null && 'shape' in oddity ? oddity.shape : null
      const line = shape === 'lf-only' ? '\n' : '\r\n'
      const delimiter = `--${boundary}${shape === 'padded-delimiter' ? '  ' : ''}`
      const chunks = parts.map(({ name, value, headerName }, i) => {
        const odd = i === oddPart % parts.length ? oddity : null
        const disposition = odd !== null && 'disposition' in odd ? odd.disposition : browserDisposition
        const header = odd !== null && 'header' in odd ? odd.header : null
        const content =
          header === 'Content-Transfer-Encoding: base64' ? Buffer.from(value).toString('base64') : value
        const headers = [`${headerName}: ${disposition(name)}`, ...(header === null ? [] : [header])]
        return `${delimiter}${line}${headers.join(line)}${line}${line}${content}${line}`
      })
      if (shape === 'boundary-in-value') {
        const injected = `Content-Disposition: form-data; name="${panel.usernameField}"`
        chunks[0] = chunks[0]!.replace(/\r\n$/, `x--${boundary}${line}${injected}${line}${line}eve${line}`)
      }
      const body = [
        shape === 'preamble' ? `preamble${line}` : '',
        ...chunks,
        shape === 'no-close' ? '' : `--${boundary}--${shape === 'lf-only' ? line : closeLine}`,
        shape === 'part-after-close' ? `${chunks[0]}--${boundary}--${line}` : '',
      ].join('')
      return {
        settings: panel,
        contentType: `${type}; boundary=${quoted ? `"${boundary}"` : boundary}`,
        body: Buffer.from(body),
        query,
      }
    })
})

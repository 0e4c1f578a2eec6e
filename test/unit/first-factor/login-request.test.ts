import { describe, expect, it } from 'vitest'
import {
  type LoginFieldSettings,
  type LoginReading,
  readLoginRequest,
} from '../../../gateway/first-factor/login-request.ts'
import { checkUsername, usernameSkeleton } from '../../../gateway/first-factor/login-username.ts'

const FORM = 'application/x-www-form-urlencoded'
const JSON_TYPE = 'application/json'

const django: LoginFieldSettings = {
  usernameField: 'username',
  passwordField: 'password',
  usernames: 'unicode',
}

interface Sent {
  body?: string | Buffer | null
  contentType?: string
  query?: string
  settings?: Partial<LoginFieldSettings>
}

/** A request read with Django's field names; a string body is urlencoded unless a type is given. */
function read({ body = null, contentType, query = '', settings }: Sent): LoginReading {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : body
  const type = contentType ?? (body === null ? undefined : FORM)
  return readLoginRequest({ contentType: type, body: bytes, query }, { ...django, ...settings })
}

function outcome(reading: LoginReading): string {
  return reading.kind === 'refused' ? reading.reason : reading.kind
}

function login(reading: LoginReading) {
  if (reading.kind !== 'login') throw new Error(`expected a login, got ${JSON.stringify(reading)}`)
  return reading
}

/** A multipart body in the shape browsers send, from raw part headers and contents. */
function multipart(...parts: [headers: string, content: string][]): Sent {
  const body = parts.map(([headers, content]) => `--B\r\n${headers}\r\n\r\n${content}\r\n`).join('')
  return { body: `${body}--B--\r\n`, contentType: 'multipart/form-data; boundary=B' }
}

const field = (name: string): string => `Content-Disposition: form-data; name="${name}"`

describe('checkUsername', () => {
  it.each([
    ['alice', 'ascii', 'alice'],
    ['  alice ', 'ascii', 'alice'],
    ['\u00a0alice\u3000', 'ascii', 'alice'],
    ['y'.repeat(256), 'ascii', 'y'.repeat(256)],
    ['\u00e1lice', 'unicode', '\u00e1lice'],
    ['\u0430lice', 'unicode', '\u0430lice'],
    ['\uff41\uff4c\uff49\uff43\uff45', 'unicode', '\uff41\uff4c\uff49\uff43\uff45'],
  ] as const)('keeps %j (%s) as %j', (raw, alphabet, name) => {
    expect(checkUsername(raw, alphabet)).toBe(name)
  })

  it.each([
    ['empty', ''],
    ['blank', ' \u00a0 '],
    ['longer than 256', 'x'.repeat(257)],
    ['a tab', 'alice\t'],
    ['a newline', 'alice\n'],
    ['a NUL', 'ali\u0000ce'],
    ['an information separator (Django strips it)', '\u001falice'],
    ['NEL (Django strips it)', 'alice\u0085'],
    ['a soft hyphen', 'ali\u00adce'],
    ['a zero-width space', 'al\u200bice'],
    ['a zero-width joiner', 'al\u200dice'],
    ['a bidi override', '\u202ealice'],
    ['a word joiner', 'alice\u2060'],
    ['a BOM', '\ufeffalice'],
    ['the Mongolian vowel separator', 'alice\u180e'],
    ['a line separator', 'alice\u2028'],
    ['a paragraph separator', 'alice\u2029'],
    ['a combining grapheme joiner (default-ignorable)', 'al\u034fice'],
    ['a variation selector', 'alice\ufe0f'],
    ['a lone surrogate', 'alice\ud800'],
    ['a private-use character', 'alice\ue000'],
    ['an unassigned code point', 'alice\u0378'],
  ])('refuses a name with %s', (_, raw) => {
    expect(checkUsername(raw, 'unicode')).toBeNull()
  })

  it.each(['\u00e1lice', '\u0430lice', '\u00a8alice'])('refuses non-ASCII %j in ascii mode', (raw) => {
    expect(checkUsername(raw, 'ascii')).toBeNull()
  })
})

describe('usernameSkeleton', () => {
  it.each([
    ['Alice', 'alice'],
    ['\u00c1lice', 'alice'],
    ['a\u0301lice', 'alice'],
    ['\uff21\uff2c\uff29\uff23\uff25', 'alice'],
    ['\u0130stanbul', 'istanbul'],
    ['Stra\u00dfe', 'strasse'],
    ['\ufb01le', 'file'],
  ])('folds %j to %j', (name, skeleton) => {
    expect(usernameSkeleton(name)).toBe(skeleton)
  })
})

describe('readLoginRequest: content types', () => {
  it.each([
    [FORM, 'login'],
    [`${FORM}; charset=UTF-8`, 'login'],
    [`${FORM};charset="utf-8"`, 'login'],
    ['Application/X-WWW-Form-Urlencoded', 'login'],
    [`${FORM}; charset=iso-8859-1`, 'unsupported_content_type'],
    [`${FORM}; foo=bar`, 'unsupported_content_type'],
    [`${FORM} ; charset=utf-8`, 'unsupported_content_type'],
    [`${FORM}, text/plain`, 'unsupported_content_type'],
    ['text/plain', 'unsupported_content_type'],
    ['multipart/mixed; boundary=B', 'unsupported_content_type'],
    ['multipart/form-data', 'malformed'],
    ['multipart/form-data; boundary="a,b"', 'malformed'],
    ['multipart/form-data; boundary=B; charset=utf-8', 'malformed'],
    ['multipart/form-data; boundary=a b', 'unsupported_content_type'],
  ])('%s → %s', (contentType, expected) => {
    expect(outcome(read({ body: 'username=alice&password=p', contentType }))).toBe(expected)
  })

  it('refuses a body with no content type', () => {
    expect(
      outcome(
        readLoginRequest({ contentType: undefined, body: Buffer.from('username=a'), query: '' }, django),
      ),
    ).toBe('unsupported_content_type')
  })

  it('reads a login in the query when there is no body, and forwards no body and no type', () => {
    for (const body of [null, Buffer.alloc(0)]) {
      const reading = login(read({ body, contentType: 'text/plain', query: '?username=alice&password=p' }))
      expect([reading.username, reading.body, reading.contentType]).toEqual(['alice', body, undefined])
    }
  })

  it('refuses a charset other than UTF-8 even with no body: Django decodes the query in it', () => {
    const sent = { contentType: 'text/plain; charset=utf-16', query: '?username=alice' }
    expect(outcome(read(sent))).toBe('unsupported_content_type')
  })

  it('forwards the canonical content type', () => {
    const reading = login(
      read({ body: 'username=alice', contentType: `Application/X-WWW-Form-Urlencoded; charset=UTF-8` }),
    )
    expect(reading.contentType).toBe(FORM)
    expect(
      login(read({ body: '{"username":"a"}', contentType: 'APPLICATION/JSON; charset=utf-8' })).contentType,
    ).toBe(JSON_TYPE)
  })
})

describe('readLoginRequest: UTF-8 only', () => {
  it.each([
    ['an escape that is not UTF-8', { body: 'username=%C3%28' }],
    ['a raw byte that is not UTF-8', { body: 'username=\u00ff' }],
    ['an escaped surrogate', { body: 'username=%ED%A0%80' }],
    ['an overlong escape', { body: 'do=%C0%AF&username=a' }],
    ['a bad escape in a name', { body: '%FFusername=a' }],
    ['"%C3" next to a raw byte', { body: 'username=%C3\u00a9' }],
    ['a bad escape in the query', { body: 'username=a', query: '?x=%FF' }],
    ['a query character beyond Latin-1', { query: '?username=\u0101' }],
    ['a JSON body that is not UTF-8', { body: '{"username":"\u00ff"}', contentType: JSON_TYPE }],
    ['a multipart text part that is not UTF-8', multipart([field('username'), '\u00ff'])],
  ])('refuses %s', (_, sent) => {
    expect(outcome(read(sent))).toBe('not_utf8')
  })

  it('keeps a multipart file whatever its bytes', () => {
    const sent = multipart(
      [field('username'), 'alice'],
      [`${field('avatar')}; filename="a.bin"\r\nContent-Type: image/png`, '\u00ff\u0000'],
    )
    expect(outcome(read(sent))).toBe('login')
  })

  it("takes a '%' that starts no escape as itself, as PHP and Django do", () => {
    expect(login(read({ body: 'username=%zz%4' })).username).toBe('%zz%4')
  })
})

describe('readLoginRequest: malformed', () => {
  it.each([
    ['a NUL in a name (PHP ends the name there)', { body: 'username%00x=alice' }],
    ['a zero-width space in a name', { body: 'user%E2%80%8Bname=alice' }],
    ['a newline in a query name', { query: '?a%0A=1' }],
    ['a soft hyphen in a JSON key', { body: '{"user\\u00adname":"a"}', contentType: JSON_TYPE }],
    ['a form body that is JSON', { body: ' {"username":"alice"}' }],
    ['a JSON array', { body: '[{"username":"alice"}]', contentType: JSON_TYPE }],
    ['JSON null', { body: 'null', contentType: JSON_TYPE }],
    ['cut JSON', { body: '{"username":"alice"', contentType: JSON_TYPE }],
    ['JSON after a BOM', { body: '\u00ef\u00bb\u00bf{"username":"alice"}', contentType: JSON_TYPE }],
    ['more than 1000 fields', { body: `${'a=&'.repeat(1000)}username=alice` }],
  ])('refuses %s', (_, sent) => {
    expect(outcome(read(sent as Sent))).toBe('malformed')
  })

  it('reads 1000 fields', () => {
    expect(outcome(read({ body: `${'a=&'.repeat(999)}username=alice` }))).toBe('login')
  })

  const part = `${field('username')}\r\n\r\nalice\r\n`
  it.each([
    ['a preamble', `preamble\r\n--B\r\n${part}--B--\r\n`],
    ['no close delimiter', `--B\r\n${part}`],
    ['text after the close delimiter', `--B\r\n${part}--B--\r\nepilogue`],
    ['a part after the close delimiter', `--B\r\n${part}--B--\r\n--B\r\n${part}--B--\r\n`],
    ['bare LF line ends', `--B\n${field('username')}\n\nalice\n--B--\n`],
    ['the boundary inside a value', `--B\r\n${field('x')}\r\n\r\nv--B\r\n${part}--B--\r\n`],
    ['a longer boundary line', `--B\r\n${part}--Bx\r\n${part}--B--\r\n`],
    ['spaces after a delimiter', `--B  \r\n${part}--B--\r\n`],
    ['a part without headers', `--B\r\n\r\nalice\r\n--B--\r\n`],
    ['an unquoted name', `--B\r\nContent-Disposition: form-data; name=username\r\n\r\nalice\r\n--B--\r\n`],
    ['name*=', `--B\r\nContent-Disposition: form-data; name*=utf-8''username\r\n\r\nalice\r\n--B--\r\n`],
    [
      'two name parameters',
      `--B\r\nContent-Disposition: form-data; name="x"; name="username"\r\n\r\na\r\n--B--\r\n`,
    ],
    [
      'a backslash in a name',
      `--B\r\nContent-Disposition: form-data; name="user\\name"\r\n\r\na\r\n--B--\r\n`,
    ],
    [
      'filename before name',
      `--B\r\nContent-Disposition: form-data; filename="f"; name="x"\r\n\r\na\r\n--B--\r\n`,
    ],
    [
      'a disposition other than form-data',
      `--B\r\nContent-Disposition: attachment; name="x"\r\n\r\na\r\n--B--\r\n`,
    ],
    [
      'a transfer encoding',
      `--B\r\n${field('x')}\r\nContent-Transfer-Encoding: base64\r\n\r\nYQ==\r\n--B--\r\n`,
    ],
    ['an unknown header', `--B\r\n${field('x')}\r\nX-Foo: bar\r\n\r\na\r\n--B--\r\n`],
    ['a folded header', `--B\r\nContent-Disposition: form-data;\r\n name="x"\r\n\r\na\r\n--B--\r\n`],
    ['two dispositions', `--B\r\n${field('x')}\r\n${field('username')}\r\n\r\na\r\n--B--\r\n`],
    [
      'headers past 1000 bytes',
      `--B\r\n${field('x')}\r\nContent-Type: text/${'x'.repeat(1000)}\r\n\r\na\r\n--B--\r\n`,
    ],
  ])('refuses multipart with %s', (_, body) => {
    expect(outcome(read({ body, contentType: 'multipart/form-data; boundary=B' }))).toBe('malformed')
  })
})

describe('readLoginRequest: ambiguous usernames', () => {
  it.each([
    ['a duplicate', { body: 'username=alice&username=eve' }],
    ['the same name twice', { body: 'username=alice&username=alice' }],
    ['one in the body and one in the query', { body: 'username=alice', query: '?username=alice' }],
    ['two in the query', { query: '?username=alice&username=eve' }],
    ['another case', { body: 'username=alice&Username=eve' }],
    ['only another case (ASP.NET binds it)', { body: 'USERNAME=eve' }],
    ['a PHP array', { body: 'username=alice&username[]=eve' }],
    ['a PHP array with a key', { body: 'username[x]=eve' }],
    ['a leading space (PHP drops it)', { body: '+username=eve' }],
    ['a trailing space (Django strips it in multipart)', { body: 'username+=eve' }],
    ['a long s (upper-cases to S)', { body: 'u%C5%BFername=eve' }],
    ['a full-width letter', { body: '%EF%BD%95sername=eve' }],
    ['a duplicate JSON key', { body: '{"username":"alice","username":"eve"}', contentType: JSON_TYPE }],
    ['a JSON key in another case', { body: '{"username":"alice","UserName":"eve"}', contentType: JSON_TYPE }],
    ['two multipart parts', multipart([field('username'), 'alice'], [field('username'), 'eve'])],
    ['a multipart name with spaces (Django strips them)', multipart([field(' username '), 'eve'])],
  ])('refuses %s', (_, sent) => {
    expect(outcome(read(sent as Sent))).toBe('ambiguous_username')
  })

  it.each([
    ['user.name', 'user_name'],
    ['user+name', 'user_name'],
    ['user[name', 'user_name'],
    ['user.name&user_name', 'user_name'],
    ['u', 'U'],
    ['login[user]&login[user][]', 'login[user]'],
    ['login&login[user]', 'login[user]'],
    ['login[]&login[user]', 'login[user]'],
    ['Login[user]', 'login[user]'],
    ['login[USER]', 'login[user]'],
  ])('refuses %s for the field %s (PHP and ASP.NET read it as the field)', (names, usernameField) => {
    const body = names
      .split('&')
      .map((name) => `${name}=alice`)
      .join('&')
    expect(outcome(read({ body, settings: { usernameField } }))).toBe('ambiguous_username')
  })

  it.each([
    ['login[user]=alice&login[pass]=p', 'alice'],
    ['login[ user]=eve&login[user]=alice', 'alice'],
    ['user.name=eve&username=alice', 'alice'],
  ])('reads %s as one login (the other names are other PHP variables)', (body, username) => {
    const usernameField = body.startsWith('login') ? 'login[user]' : 'username'
    expect(login(read({ body, settings: { usernameField, passwordField: 'login[pass]' } })).username).toBe(
      username,
    )
  })
})

describe('readLoginRequest: bad usernames', () => {
  it.each([
    ['an empty value', { body: 'username=&password=p' }],
    ['a blank value', { body: 'username=+%20' }],
    ['no value at all', { body: 'username' }],
    ['a password but no username', { body: 'password=p' }],
    ['a tab', { body: 'username=alice%09' }],
    ['a JSON number', { body: '{"username":1}', contentType: JSON_TYPE }],
    ['a JSON array', { body: '{"username":["alice"]}', contentType: JSON_TYPE }],
    ['a JSON null', { body: '{"username":null}', contentType: JSON_TYPE }],
    ['a multipart file', multipart([`${field('username')}; filename="a.txt"`, 'alice'])],
    ['257 characters', { body: `username=${'x'.repeat(257)}` }],
  ])('refuses %s', (_, sent) => {
    expect(outcome(read(sent as Sent))).toBe('bad_username')
  })

  it('refuses non-ASCII in ascii mode and reads it in unicode mode', () => {
    const body = 'username=%C3%A1lice'
    expect(outcome(read({ body, settings: { usernames: 'ascii' } }))).toBe('bad_username')
    expect(login(read({ body })).username).toBe('\u00e1lice')
  })
})

describe('readLoginRequest: not a login', () => {
  it.each([
    ['nothing', {}],
    ['an empty form', { body: '' }],
    ['other fields', { body: 'do=search&id=1', query: '?lang=en' }],
    ['a field PHP reads as another name', { body: 'user.name=eve' }],
    ['an empty name', { body: '=eve' }],
    [
      'a JSON object without the fields',
      { body: '{"do":"x","nested":{"username":"eve"}}', contentType: JSON_TYPE },
    ],
    ['multipart without the fields', multipart([field('do'), 'x'])],
  ])('finds none in %s', (_, sent) => {
    expect(read(sent as Sent)).toEqual({ kind: 'none' })
  })
})

describe('readLoginRequest: what is forwarded', () => {
  it('rewrites a form: the username trimmed, every other field as it was, in order, escaped anew', () => {
    const reading = login(read({ body: 'do=login&username=+alice+&password=p%26w%3D%00&x=1;y=%2B+&&empty' }))
    expect(reading.username).toBe('alice')
    expect(reading.body?.toString()).toBe(
      'do=login&username=alice&password=p%26w%3D%00&x=1%3By%3D%2B+&empty=',
    )
  })

  it('rewrites the query too, with the username there when it came there', () => {
    const reading = login(read({ body: 'password=p', query: '?username=%20alice&lang=e%6e&' }))
    expect([reading.body?.toString(), reading.query]).toEqual(['password=p', '?username=alice&lang=en'])
    expect(login(read({ body: 'username=alice', query: '?' })).query).toBe('')
  })

  it('rewrites JSON member by member, each other value as sent (so big numbers survive)', () => {
    const body =
      '{ "do": "login", "us\\u0065rname": " alice ", "n": 12345678901234567890, "o": {"username": "eve"} }'
    const reading = login(read({ body, contentType: JSON_TYPE }))
    expect(reading.body?.toString()).toBe(
      '{"do":"login","username":"alice","n":12345678901234567890,"o":{"username": "eve"}}',
    )
  })

  it('rewrites multipart under a fresh boundary, files and all', () => {
    const file = `${field('avatar')}; filename="a b.png"\r\nContent-Type: image/png`
    const sent = multipart(
      [field('do'), 'line one\nline two'],
      [field('username'), ' alice '],
      [file, '\u0089PNG\u0000'],
    )
    const reading = login(read(sent))
    const boundary = /^multipart\/form-data; boundary=(tapgate-[0-9a-f-]{36})$/.exec(
      reading.contentType ?? '',
    )?.[1]
    expect(boundary).toBeDefined()
    expect(reading.body?.toString('latin1')).toBe(
      [
        `--${boundary}\r\n${field('do')}\r\n\r\nline one\nline two\r\n`,
        `--${boundary}\r\n${field('username')}\r\n\r\nalice\r\n`,
        `--${boundary}\r\n${file}\r\n\r\n\u0089PNG\u0000\r\n`,
        `--${boundary}--\r\n`,
      ].join(''),
    )
  })

  it('lists every value of a field, the body’s then the query’s', () => {
    const reading = login(read({ body: 'do=login&username=+alice&do=x', query: '?do=login' }))
    expect(reading.values('do')).toEqual(['login', 'x', 'login'])
    expect(reading.values('username')).toEqual(['alice'])
    expect(reading.values('Do')).toEqual([])
  })

  it('reads what it forwards as the same login', () => {
    const sent = multipart([field('username'), ' alice '], [field('password'), 'p'])
    const first = login(read(sent))
    const again = login(read({ body: first.body, contentType: first.contentType }))
    expect([again.username, again.values('password')]).toEqual(['alice', ['p']])
  })
})

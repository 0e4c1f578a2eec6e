import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LoginReading, readLoginRequest } from '../../gateway/first-factor/login-request.ts'
import { type DjangoFormParser, startDjangoFormParser } from '../support/django-form-parser.ts'
import { formOrJsonCase, type LoginCase, multipartCase } from '../support/login-request-cases.ts'
import type { PanelReading, PanelRequest } from '../support/panel-reading.ts'
import { type PhpFormParser, startPhpFormParser } from '../support/php-form-parser.ts'

/**
 * tapgate binds a login to the username it reads; the panel logs in the username it reads. Every
 * generated request goes through readLoginRequest and, in the same test, through PHP's and Django's
 * own parsers. Property: tapgate refuses it, or both panels read, from what tapgate forwards, exactly
 * the username tapgate bound (and no other spelling of the field); when tapgate finds no login, neither
 * panel reads the field from the request as sent.
 */

/** Fixed, so that a run is reproducible; LOGIN_PARSERS_SEED explores others. */
const SEED = Number(process.env.LOGIN_PARSERS_SEED ?? 0x7a9_6a7e)
const FORM_CASES = 4000
const MULTIPART_CASES = 800
/** parse_str() is $_GET's parser but not quite $_POST's (see below): some bodies go through the SAPI too. */
const SAPI_CASES = 400

let php: PhpFormParser
let django: DjangoFormParser

beforeAll(async () => {
  php = await startPhpFormParser()
  django = startDjangoFormParser()
})

afterAll(async () => {
  await Promise.all([php?.stop(), django?.stop()])
})

const form = 'application/x-www-form-urlencoded'

function request(body: string, field = 'username', contentType: string | undefined = form): PanelRequest {
  return { contentType, body: Buffer.from(body, 'latin1'), query: '', field }
}

function text(reading: PanelReading): string | 'other' | null {
  return Buffer.isBuffer(reading.value) ? reading.value.toString('utf8') : reading.value
}

function tapgateReads(loginCase: LoginCase): LoginReading {
  const { contentType, body, query, settings } = loginCase
  return readLoginRequest({ contentType, body, query: query === '' ? '' : `?${query}` }, settings)
}

/** What the panel receives for a login: the body and query tapgate rebuilt. */
function forwardedRequest(reading: Extract<LoginReading, { kind: 'login' }>, field: string): PanelRequest {
  const { contentType, body, query } = reading
  return { contentType, body: body ?? Buffer.alloc(0), query: query.replace(/^\?/, ''), field }
}

/** Why the panel's reading breaks the property; null when it holds. */
function breach(reading: LoginReading, panel: PanelReading): string | null {
  if (reading.kind === 'none') {
    return panel.value === null && panel.matches === 0
      ? null
      : 'reads a username where tapgate found no login'
  }
  if (reading.kind !== 'login') return null
  const bound = Buffer.from(reading.username)
  if (panel.error !== null) return `fails: ${panel.error}`
  if (!Buffer.isBuffer(panel.value) || !panel.value.equals(bound)) return 'reads another username'
  if (panel.matches !== 1) return 'has another spelling of the username field'
  // A Django form strips the value with Python's idea of whitespace: tapgate's trim must have left none.
  return panel.stripped === undefined || panel.stripped.equals(bound) ? null : 'strips it to another name'
}

function shown(loginCase: LoginCase, reading: LoginReading, panels: Record<string, PanelReading>) {
  return {
    settings: loginCase.settings,
    contentType: loginCase.contentType,
    body: loginCase.body.toString('latin1'),
    query: loginCase.query,
    tapgate: reading.kind === 'login' ? { username: reading.username } : reading,
    ...Object.fromEntries(
      Object.entries(panels).map(([name, panel]) => [name, { ...panel, value: text(panel) }]),
    ),
  }
}

type Reader = (requests: PanelRequest[]) => Promise<PanelReading[]>

/**
 * Each case read by tapgate, and by each of `readers` both as sent and, for a login, as tapgate
 * forwards it: the property is checked on what the panel receives (the request as sent when tapgate
 * finds no login). Also counted: refused requests the panels read differently from each other as
 * sent, and logins that some panel would have read otherwise as sent, had tapgate not rewritten them.
 */
async function differential(cases: LoginCase[], readers: Record<string, Reader>) {
  const readings = cases.map(tapgateReads)
  const originals = cases.map((loginCase) => ({ ...loginCase, field: loginCase.settings.usernameField }))
  const logins = readings.flatMap((reading, i) => (reading.kind === 'login' ? [{ reading, i }] : []))
  const forwarded = logins.map(({ reading, i }) => forwardedRequest(reading, originals[i]!.field))
  const names = Object.keys(readers)
  const byReader = await Promise.all(Object.values(readers).map((read) => read([...originals, ...forwarded])))
  const panelsAt = (at: number) => Object.fromEntries(names.map((name, r) => [name, byReader[r]![at]!]))
  const forwardedAt = new Map(logins.map(({ i }, l) => [i, panelsAt(cases.length + l)]))

  const failures: (ReturnType<typeof shown> & { problems: string[] })[] = []
  let refusedWhereThePanelsDisagree = 0
  let loginsTheRewriteSaved = 0
  for (const [i, reading] of readings.entries()) {
    const asSent = panelsAt(i)
    const received = forwardedAt.get(i) ?? asSent
    const problems = Object.entries(received).flatMap(([name, panel]) => {
      const problem = breach(reading, panel)
      return problem === null ? [] : [`${name} ${problem}`]
    })
    if (problems.length > 0) failures.push({ problems, ...shown(cases[i]!, reading, received) })
    const valuesAsSent = new Set(Object.values(asSent).map((panel) => JSON.stringify(text(panel))))
    if (reading.kind === 'refused' && valuesAsSent.size > 1) refusedWhereThePanelsDisagree++
    if (reading.kind === 'login' && Object.values(asSent).some((panel) => breach(reading, panel) !== null)) {
      loginsTheRewriteSaved++
    }
  }
  const outcomes = new Map<string, number>()
  for (const reading of readings) {
    const outcome = reading.kind === 'refused' ? reading.reason : reading.kind
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
  }
  return { failures, outcomes, refusedWhereThePanelsDisagree, loginsTheRewriteSaved }
}

describe('the username tapgate binds is the one PHP and Django read', () => {
  it(`holds for ${FORM_CASES} urlencoded, query-only and JSON logins`, async () => {
    const cases = fc.sample(formOrJsonCase, { seed: SEED, numRuns: FORM_CASES })
    const found = await differential(cases, { php: php.read, django: django.read })
    expect(found.failures.slice(0, 3)).toEqual([])
    // The generator reaches every outcome, each often enough to mean something, and makes requests
    // the panels read differently (refused) and logins they would have misread as sent (rewritten).
    for (const outcome of ['login', 'none', 'ambiguous_username', 'bad_username', 'not_utf8', 'malformed']) {
      expect(found.outcomes.get(outcome) ?? 0, outcome).toBeGreaterThan(FORM_CASES / 50)
    }
    expect(found.outcomes.get('unsupported_content_type')).toBeGreaterThan(0)
    expect(found.refusedWhereThePanelsDisagree).toBeGreaterThan(FORM_CASES / 100)
    expect(found.loginsTheRewriteSaved).toBeGreaterThan(FORM_CASES / 100)
  })

  it(`holds for ${MULTIPART_CASES} multipart logins, PHP reading them through its SAPI`, async () => {
    const cases = fc.sample(multipartCase, { seed: SEED, numRuns: MULTIPART_CASES })
    const found = await differential(cases, { php: php.readThroughSapi, django: django.read })
    expect(found.failures.slice(0, 3)).toEqual([])
    for (const outcome of ['login', 'none', 'ambiguous_username', 'malformed']) {
      expect(found.outcomes.get(outcome) ?? 0, outcome).toBeGreaterThan(MULTIPART_CASES / 50)
    }
    expect(found.refusedWhereThePanelsDisagree).toBeGreaterThan(MULTIPART_CASES / 100)
    expect(found.loginsTheRewriteSaved).toBeGreaterThan(0)
  })

  it(`holds for the first ${SAPI_CASES} urlencoded ones as PHP's SAPI reads them into $_POST`, async () => {
    const cases = fc
      .sample(formOrJsonCase, { seed: SEED, numRuns: SAPI_CASES * 2 })
      .filter(({ contentType }) => !contentType?.toLowerCase().includes('json'))
      .slice(0, SAPI_CASES)
    const { failures } = await differential(cases, { 'php $_POST': php.readThroughSapi })
    expect(failures.slice(0, 3)).toEqual([])
  })
})

/** What PHP 8.2 and Django 3.2 (Python 3.11) do, as found here: the rules in login-request.ts rest on it. */
describe('how the panels read a login', () => {
  it("splits on '&' only: neither PHP nor Django 3.2 on Python 3.11 splits on ';'", async () => {
    const [byPhp, byDjango] = await both([request('a=1;username=eve')])
    expect([byPhp[0]!.keys, byDjango[0]!.keys]).toEqual([['a'], ['a']])
  })

  it('takes the last of duplicate fields, in PHP and in Django', async () => {
    const [byPhp, byDjango] = await both([request('username=alice&username=eve')])
    expect([text(byPhp[0]!), text(byDjango[0]!)]).toEqual(['eve', 'eve'])
  })

  it("PHP drops leading spaces and turns ' ', '.' and an unmatched '[' into '_'; Django keeps names", async () => {
    const [byPhp, byDjango] = await both([
      request(' user.name=a&user[name=b&user+name=c&username[]=d', 'user_name'),
    ])
    expect(byPhp[0]!.keys).toEqual(['user_name', 'username'])
    expect(text(byPhp[0]!)).toBe('c')
    expect(byDjango[0]!.keys).toEqual([' user.name', 'user[name', 'user name', 'username[]'])
  })

  it("PHP cuts a name at '%00', Django keeps the NUL", async () => {
    const [byPhp, byDjango] = await both([request('username%00x=eve')])
    expect(text(byPhp[0]!)).toBe('eve')
    expect(byDjango[0]!.keys).toEqual(['username\u0000x'])
  })

  it("reads '+' as a space in names and values and '%2B' as '+', in PHP and in Django", async () => {
    const [byPhp, byDjango] = await both([request('user+name=a+b%2Bc', 'user_name')])
    expect(text(byPhp[0]!)).toBe('a b+c')
    expect(byDjango[0]!.keys).toEqual(['user name'])
  })

  it("PHP's $_POST is not parse_str(): it reads on past a raw NUL and counts empty '&&' towards max_input_vars", async () => {
    const fields = Array.from({ length: 999 }, (_, i) => `f${i}=`)
    const requests = [request('x=a\u0000b&username=eve'), request(`${fields.join('&&')}&&username=eve`)]
    const [byParseStr, byPost] = await Promise.all([php.read(requests), php.readThroughSapi(requests)])
    expect(byParseStr.map(text)).toEqual([null, 'eve'])
    expect(byPost.map(text)).toEqual(['eve', null])
  })

  it('keeps bytes that are not UTF-8 (PHP) or makes them U+FFFD (Django)', async () => {
    const [byPhp, byDjango] = await both([request('username=%C3%28')])
    expect(byPhp[0]!.value).toEqual(Buffer.from([0xc3, 0x28]))
    expect(text(byDjango[0]!)).toBe('\ufffd(')
  })

  it('PHP reads the first 1000 fields (max_input_vars) and drops the rest; Django refuses 1001', async () => {
    const fields = Array.from({ length: 1000 }, (_, i) => `f${i}=`).join('&')
    const [byPhp, byDjango] = await both([request(`${fields}&username=eve`)])
    expect(byPhp[0]!.value).toBe(null)
    expect(byPhp[0]!.error).toContain('max_input_vars')
    expect(byDjango[0]!.error).toBe('TooManyFieldsSent')
  })

  it("Django reads a form only under the exact lower-case type, and reads body and query in the type's charset", async () => {
    const requests = [
      request('username=eve', 'username', 'Application/X-WWW-Form-Urlencoded'),
      request('username=%E9ve', 'username', `${form}; charset=iso-8859-1`),
      { ...request('', 'username', 'text/plain; charset=utf-16'), query: 'username=eve' },
    ]
    const [byPhp, byDjango] = await both(requests)
    expect(byPhp.map(text)).toEqual(['eve', '\ufffdve', 'eve'])
    expect(byDjango.map(text)).toEqual([null, '\u00e9ve', null])
  })

  it("Django's form strips U+001C–U+001F and U+0085, which JavaScript's trim keeps", async () => {
    const [byDjango] = await django.read([request('username=%1Falice%C2%85')])
    expect(byDjango!.formUsername?.toString()).toBe('alice')
    expect('\u001falice\u0085'.trim()).not.toBe('alice')
  })

  it("Django's login form NFKC-normalises with Python 3.11's Unicode 14, older than Node's tables", async () => {
    // U+1E065, a Cyrillic modifier letter of Unicode 15, is "ъ" to Node's NFKC and itself to Django's.
    const [byDjango] = await django.read([request('username=%F0%9E%81%A5')])
    expect(byDjango!.formUsername?.toString()).toBe('\u{1e065}')
    expect('\u{1e065}'.normalize('NFKC')).toBe('\u044a')
  })

  const multipart = (body: string) => request(body, 'username', 'multipart/form-data; boundary=B')
  const part = (headers: string, content: string) => `--B\r\n${headers}\r\n\r\n${content}\r\n`
  const field = (name: string) => `Content-Disposition: form-data; name="${name}"`

  it('multipart names: Django strips spaces around one and reads name*=; PHP takes the last of two', async () => {
    const requests = [
      multipart(`${part(field(' username '), 'eve')}--B--\r\n`),
      multipart(`${part("Content-Disposition: form-data; name*=utf-8''username", 'eve')}--B--\r\n`),
      multipart(`${part('Content-Disposition: form-data; name="x"; name="username"', 'eve')}--B--\r\n`),
    ]
    const [byPhp, byDjango] = await Promise.all([php.readThroughSapi(requests), django.read(requests)])
    expect(byPhp.map(text)).toEqual([null, null, 'eve'])
    expect(byDjango.map(text)).toEqual(['eve', 'eve', 'eve'])
  })

  it('multipart parts: both read past the close; Django also splits mid-line, decodes base64, skips long heads', async () => {
    const requests = [
      multipart(`${part(field('x'), '')}--B--\r\nepilogue\r\n${part(field('username'), 'eve')}--B--\r\n`),
      multipart(`--B\r\n${field('x')}\r\n\r\nv--B\r\n${field('username')}\r\n\r\neve\r\n--B--\r\n`),
      multipart(`${part(`${field('username')}\r\nContent-Transfer-Encoding: base64`, 'ZXZl')}--B--\r\n`),
      multipart(`${part(`${field('username')}\r\nX-Padding: ${'x'.repeat(1100)}`, 'eve')}--B--\r\n`),
    ]
    const [byPhp, byDjango] = await Promise.all([php.readThroughSapi(requests), django.read(requests)])
    expect(byPhp.map(text)).toEqual(['eve', null, 'ZXZl', 'eve'])
    expect(byDjango.map(text)).toEqual(['eve', 'eve', 'eve', null])
  })
})

function both(requests: PanelRequest[]): Promise<[PanelReading[], PanelReading[]]> {
  return Promise.all([php.read(requests), django.read(requests)])
}

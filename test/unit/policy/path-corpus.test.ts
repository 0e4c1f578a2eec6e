import { describe, expect, it } from 'vitest'
import type { Policy } from '../../../gateway/config/schema.ts'
import { normalizePath } from '../../../gateway/http/normalize-path.ts'
import { compileRules } from '../../../gateway/policy/compile-rules.ts'
import { decidePolicy } from '../../../gateway/policy/decide-policy.ts'
import { loadPathCorpus, PATH_CORPUS_DEFAULT_POLICY, PATH_CORPUS_RULES } from '../../support/path-corpus.ts'

/**
 * DESIGN.md invariant 1: no path reaches the panel under a weaker policy than its normalised path demands.
 * The attack: a request-target that tapgate reads as being under the bypassed `/api/` while the panel
 * serves something else (`/api/..;/admin` is `/admin` to Tomcat). Every corpus line is replayed through
 * the normaliser and the rules; then the path tapgate forwards is read the way a lenient panel might
 * read it, and that reading must not demand more than tapgate enforced.
 */

const bypassApi = compileRules(PATH_CORPUS_RULES, PATH_CORPUS_DEFAULT_POLICY)
/** The other way round: everything open but a denied and a protected area (a default-bypass deployment). */
const denyAdmin = compileRules(
  [
    { prefix: '/admin', policy: 'deny' },
    { prefix: '/panel/', policy: 'two_factor' },
  ],
  'bypass',
)
const strength: Record<Policy, number> = { bypass: 0, two_factor: 1, deny: 2 }
const SLASH_LIKE = /[\\\u2044\u2215\u2216\u29f5\u29f8\u29f9\u00a5\u20a9]/g

const REQUIRED = [
  '/api/../admin',
  '/api/%2e%2e/admin',
  '/api/%2E%2E/admin',
  '/api/.%2e/admin',
  '/API/..;/admin',
  '/api/..;/admin',
  '//api/x',
  '/api%2fx',
  '/api%2Fx',
  '/./api/../admin',
  '/api/./x',
  '/api//x',
  '/api/x?../../admin',
  '/api/x#/../admin',
  '/admin?/api/',
  '/%61pi/x',
  '/api/%5c../admin',
  '/api\\..\\admin',
  '/api/%00/x',
  '/api/%zz',
  '/api/%',
  '/api/%E2%80%A4%E2%80%A4/admin',
  '/api/%EF%BC%8F..%EF%BC%8Fadmin',
  '/api/%c0%ae%c0%ae/admin',
  '/api/%c0%af',
  '/api/%25c0%25ae%25c0%25ae/admin',
  '/api/..%23/admin',
  '/api/..%3F/admin',
  '/api/x%3F/../../admin',
  '/%EF%BD%81pi/x',
  '/api/\tx',
  '/api/ x',
]

function decide(path: string, compiled = bypassApi): Policy {
  return decidePolicy(compiled, { path, method: 'GET', clientIp: '192.0.2.1', header: () => undefined })
    .policy
}

/**
 * Ways a permissive server reads the path it receives: every escape decoded (again and again), NFKC, look-alike and
 * back slashes as '/', the rest cut at a '?' or '#' (a panel that parses the decoded path again as a
 * URL), ';' parameters stripped (Tomcat, Jetty), trailing dots and spaces trimmed (Windows; a name of
 * dots only read as '..'), dot-segments removed, and the same case-folded.
 */
function lenientReadings(path: string): string[] {
  const text = decodeFully(path)
    .normalize('NFKC')
    .replace(SLASH_LIKE, '/')
    .replace(/[?#].*$/s, '')
  const segments: string[] = []
  let trailingSlash = false
  for (const raw of text.split('/').slice(1)) {
    const stem = raw.replace(/;.*$/, '')
    const name = /^\.[. ]*$/.test(stem) && stem !== '.' ? '..' : stem.replace(/[. ]+$/, '')
    trailingSlash = name === '' || name === '.' || name === '..'
    if (name === '..') segments.pop()
    else if (!trailingSlash) segments.push(name)
  }
  const reading = `/${segments.join('/')}${trailingSlash && segments.length > 0 ? '/' : ''}`
  return [reading, reading.toLowerCase(), path.toLowerCase()]
}

function decodeFully(path: string): string {
  let text = path
  for (;;) {
    let again: string
    try {
      again = decodeURIComponent(text)
    } catch {
      again = text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
        String.fromCharCode(Number.parseInt(hex, 16)),
      )
    }
    if (again === text) return text
    text = again
  }
}

function expectNoWeakerReading(path: string): void {
  for (const compiled of [bypassApi, denyAdmin]) {
    const enforced = decide(path, compiled)
    for (const reading of lenientReadings(path)) {
      expect(strength[enforced], `${path} is ${enforced} but read as ${reading}`).toBeGreaterThanOrEqual(
        strength[decide(reading, compiled)],
      )
    }
  }
}

describe('path corpus (test/corpus/paths.txt) against /api/ → bypass, default two_factor', () => {
  const cases = loadPathCorpus()

  it('holds the known bypass attempts', () => {
    const targets = new Set(cases.map((corpusCase) => corpusCase.target))
    for (const target of REQUIRED) expect(targets, target).toContain(target)
  })

  it.each(cases)('line $line: $target', (corpusCase) => {
    const result = normalizePath(corpusCase.target)
    if (!('policy' in corpusCase)) {
      expect(result.ok, result.ok ? `forwarded as ${result.path}` : '').toBe(false)
      return
    }
    if (!result.ok) expect.fail(`rejected: ${result.reason}`)
    expect({ path: result.path, query: result.query }).toEqual(corpusCase.expected)
    expect(decide(result.path)).toBe(corpusCase.policy)
    expect(normalizePath(result.path + result.query)).toEqual(result)
    expectNoWeakerReading(result.path)
  })
})

describe('generated targets against both rule sets', () => {
  const pieces = [
    '/',
    '/',
    '/',
    'api',
    'admin',
    'Admin',
    'ADMIN',
    ';x',
    '%252e',
    'x',
    '.',
    '..',
    '%2e',
    '%2E',
    ';',
    '%3b',
    '%20',
    '%2f',
    '%5c',
    '\\',
    '%25',
    '%00',
    '%',
    '%c0%ae',
    '%25c0%25ae',
    '%3f',
    '%23',
    '%253F',
    '%e2%80%a4',
    '%ef%bc%8f',
    '%ef%bc%8e',
    '%c2%a5',
    '?',
    '#',
    'A',
    '%41',
    '~',
    '%7e',
  ]

  /** mulberry32: a fixed seed keeps the run reproducible. */
  function random(seed: number): () => number {
    let state = seed
    return () => {
      state = (state + 0x6d2b79f5) | 0
      let t = Math.imul(state ^ (state >>> 15), 1 | state)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
  }

  it('never applies a weaker policy than a lenient reading demands, and is idempotent', () => {
    const next = random(0x7a9)
    let accepted = 0
    for (let n = 0; n < 20_000; n++) {
      let target = next() < 0.5 ? '/api/' : '/'
      const length = 1 + Math.floor(next() * 8)
      for (let k = 0; k < length; k++) target += pieces[Math.floor(next() * pieces.length)]
      const result = normalizePath(target)
      if (!result.ok) continue
      accepted++
      expect(normalizePath(result.path + result.query), target).toEqual(result)
      expectNoWeakerReading(result.path)
    }
    expect(accepted).toBeGreaterThan(1000)
  })
})

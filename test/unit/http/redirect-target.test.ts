import { describe, expect, it } from 'vitest'
import { safeRedirectTarget } from '../../../gateway/http/redirect-target.ts'

/**
 * The edges around test/corpus/open-redirects.txt, which test/security/invariant-04-open-redirect.test.ts
 * replays in full: what is kept, and how, and the limits the corpus does not reach.
 */
const origin = 'https://panel.example.com'

describe('safeRedirectTarget keeps a same-origin destination as the path a browser will follow', () => {
  it.each([
    ['dot segments resolved', '/a/../b', '/b'],
    ['escaped dot segments resolved', '/a/%2e%2e/b', '/b'],
    ['a "." segment removed', '/a/./b', '/a/b'],
    ['"//" in the query, which names no host', '/a?x=//evil.example', '/a?x=//evil.example'],
    ['"//" in the fragment', '/a#//evil.example', '/a#//evil.example'],
    ['an escaped slash, left escaped', '/%2F/evil.example', '/%2F/evil.example'],
    ['a space, escaped', '/a b', '/a%20b'],
    ['non-ASCII, escaped as UTF-8', '/café', '/caf%C3%A9'],
    ['its own origin without a path', origin, '/'],
    ['its own origin with only a query', `${origin}?x=1`, '/?x=1'],
    ['its own origin with the default port', `${origin}:443/x`, '/x'],
    ['the longest accepted, 2048 characters', `/${'a'.repeat(2047)}`, `/${'a'.repeat(2047)}`],
  ])('%s: %j → %j', (_case, candidate, target) => {
    expect(safeRedirectTarget(candidate, origin)).toBe(target)
  })

  it('keeps an absolute URL on a public origin with a port, and only on that port', () => {
    expect(safeRedirectTarget('https://panel.example.com:8443/x', 'https://panel.example.com:8443')).toBe(
      '/x',
    )
    expect(safeRedirectTarget('https://panel.example.com:8443/x', origin)).toBeNull()
  })
})

describe('safeRedirectTarget refuses', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a destination over 2048 characters', `/${'a'.repeat(2048)}`],
    ['a backslash after its own origin', `${origin}/a\\b`],
    ['DEL', '/a\u007f'],
  ])('%s', (_case, candidate) => {
    expect(safeRedirectTarget(candidate, origin)).toBeNull()
  })
})

import { describe, expect, it } from 'vitest'
import {
  normalizePath,
  normalizeSegments,
  PATH_REJECTIONS as R,
} from '../../../gateway/http/normalize-path.ts'

/** [raw request-target, expected path + query | rejection reason]. */
const accepted: Array<[string, string]> = [
  ['/', '/'],
  ['/api/x', '/api/x'],
  ['/api/x/', '/api/x/'],
  ['/api/x?a=1&b=/../', '/api/x?a=1&b=/../'],
  ['/api/x?', '/api/x?'],
  ['/?x', '/?x'],
  ['/api/x?a=%zz%00', '/api/x?a=%zz%00'],
  ['/a/b/c/./../../g', '/a/g'],
  ['/a/b/..', '/a/'],
  ['/a/.', '/a/'],
  ['/a/..', '/'],
  ['/..', '/'],
  ['/../../a', '/a'],
  ['/.', '/'],
  ['//', '/'],
  ['//a//b//', '/a/b/'],
  ['/a//../b', '/b'],
  ['/a/%2e%2E/b', '/b'],
  ['/a/.%2e/b', '/b'],
  ['/%2e/a', '/a'],
  ['/%61%7A%30%2D%2E%5F%7E', '/az0-._~'],
  ['/a%3b', '/a%3B'],
  ['/a%3Fb', '/a%3Fb'],
  ['/a%25', '/a%25'],
  ['/a%20b', '/a%20b'],
  ['/caf%c3%a9', '/caf%C3%A9'],
  ['/%f0%9f%94%91', '/%F0%9F%94%91'],
  ['/%e0%a0%80', '/%E0%A0%80'],
  ['/%f4%8f%bf%bf', '/%F4%8F%BF%BF'],
  ['/%ef%bd%81', '/%EF%BD%81'],
  ['/a;x=1/b', '/a;x=1/b'],
  ['/a/;/b', '/a/;/b'],
  ['/.well-known/x', '/.well-known/x'],
  ['/.htaccess', '/.htaccess'],
  ['/..a/b', '/..a/b'],
  ['/a..', '/a..'],
  ['/a./b', '/a./b'],
  ['/%3B../b', '/%3B../b'],
  ['/a|b[c]', '/a|b[c]'],
]

const rejected: Array<[string, string]> = [
  ['', R.notOriginForm],
  ['*', R.notOriginForm],
  ['http://h/a', R.notOriginForm],
  ['a/b', R.notOriginForm],
  ['?x', R.notOriginForm],
  ['/a#b', R.fragment],
  ['/a?b#c', R.fragment],
  ['/a b', R.rawByte],
  ['/a\tb', R.rawByte],
  ['/a\r\nb', R.rawByte],
  ['/a\u0000', R.rawByte],
  ['/a\u007f', R.rawByte],
  ['/caf\u00c3\u00a9', R.rawByte],
  ['/a?b c', R.rawByte],
  ['/a\\b', R.rawBackslash],
  ['/a\\', R.rawBackslash],
  ['/a%', R.badEscape],
  ['/a%4', R.badEscape],
  ['/a%4/', R.badEscape],
  ['/a%zz', R.badEscape],
  ['/a%g0', R.badEscape],
  ['/a%%41', R.badEscape],
  ['/a%u002e', R.badEscape],
  ['/a%2fb', R.encodedSlash],
  ['/a%2F', R.encodedSlash],
  ['/a%5cb', R.encodedBackslash],
  ['/a%5C', R.encodedBackslash],
  ['/a%00', R.encodedControl],
  ['/a%0A', R.encodedControl],
  ['/a%0d', R.encodedControl],
  ['/a%09', R.encodedControl],
  ['/a%1F', R.encodedControl],
  ['/a%7f', R.encodedControl],
  ['/%80', R.badUtf8],
  ['/%bf', R.badUtf8],
  ['/%c0%af', R.badUtf8],
  ['/%c1%bf', R.badUtf8],
  ['/%c3', R.badUtf8],
  ['/%c3x', R.badUtf8],
  ['/%c3%28', R.badUtf8],
  ['/%c3%zz', R.badUtf8],
  ['/%e0%80%af', R.badUtf8],
  ['/%e0%9f%bf', R.badUtf8],
  ['/%ed%a0%80', R.badUtf8],
  ['/%ed%bf%bf', R.badUtf8],
  ['/%f0%8f%bf%bf', R.badUtf8],
  ['/%f4%90%80%80', R.badUtf8],
  ['/%f5%80%80%80', R.badUtf8],
  ['/%ff', R.badUtf8],
  ['/%e2%82', R.badUtf8],
  ['/a%ef%bc%8fb', R.slashLike],
  ['/a%ef%bc%bcb', R.slashLike],
  ['/a%ef%b9%a8b', R.slashLike],
  ['/a%e2%88%95b', R.slashLike],
  ['/a%e2%81%84b', R.slashLike],
  ['/a%e2%88%96b', R.slashLike],
  ['/a%c2%a5b', R.slashLike],
  ['/a%e2%82%a9b', R.slashLike],
  ['/..;/a', R.disguisedDotSegment],
  ['/..;x/a', R.disguisedDotSegment],
  ['/.;/a', R.disguisedDotSegment],
  ['/.;x', R.disguisedDotSegment],
  ['/..%3b/a', R.disguisedDotSegment],
  ['/%2e%2e%3B', R.disguisedDotSegment],
  ['/...', R.disguisedDotSegment],
  ['/....;', R.disguisedDotSegment],
  ['/..%20', R.disguisedDotSegment],
  ['/.%20.', R.disguisedDotSegment],
  ['/%e2%80%a4', R.disguisedDotSegment],
  ['/%e2%80%a4%e2%80%a4', R.disguisedDotSegment],
  ['/%e2%80%a5', R.disguisedDotSegment],
  ['/%e2%80%a6', R.disguisedDotSegment],
  ['/.%ef%bc%8e', R.disguisedDotSegment],
  ['/%ef%b9%92', R.disguisedDotSegment],
  ['/..%ef%bc%9b', R.disguisedDotSegment],
  ['/.%c2%a0', R.disguisedDotSegment],
  ['/..%23/a', R.disguisedDotSegment],
  ['/..%3f/a', R.disguisedDotSegment],
  ['/.%3F', R.disguisedDotSegment],
  ['/..%ef%bc%9f/a', R.disguisedDotSegment],
  ['/%25c0%25ae%25c0%25ae/a', R.doubleEncoded],
  ['/%25ff', R.doubleEncoded],
  ['/a%3F/../b', R.parentOfQueryOrFragment],
  ['/a%23/x/../../b', R.parentOfQueryOrFragment],
  ['/a%253f/../b', R.parentOfQueryOrFragment],
]

describe('normalizePath', () => {
  it.each(accepted)('accepts %j as %j', (target, expected) => {
    const result = normalizePath(target)
    if (!result.ok) expect.fail(`rejected: ${result.reason}`)
    expect(result.path + result.query).toBe(expected)
  })

  it.each(rejected)('rejects %j: %s', (target, reason) => {
    expect(normalizePath(target)).toEqual({ ok: false, reason })
  })

  it('splits the query at the first ? and leaves it untouched', () => {
    expect(normalizePath('/a/../b?c=/../d?e=%2F')).toEqual({ ok: true, path: '/b', query: '?c=/../d?e=%2F' })
  })

  it('reads every path as the segment-by-segment normaliser does, its shortcut for plain paths included', () => {
    // Every path of up to five pieces after its first '/': slashes, dots, escapes, a backslash, letters.
    const pieces = ['/', '.', 'a', 'B', '%2e', '%41', '\\', ';', '~']
    let paths = ['/']
    const all = [...paths]
    for (let length = 1; length <= 5; length++) {
      paths = paths.flatMap((path) => pieces.map((piece) => path + piece))
      all.push(...paths)
    }
    expect(all.length).toBeGreaterThan(60_000)
    for (const path of all) {
      const expected = normalizeSegments(path)
      const result = normalizePath(path)
      expect(result).toEqual(
        typeof expected === 'string' ? { ok: true, path: expected, query: '' } : expected,
      )
    }
  })

  it('is idempotent on every accepted vector', () => {
    for (const [target] of accepted) {
      const once = normalizePath(target)
      if (!once.ok) expect.fail(`rejected: ${target}`)
      expect(normalizePath(once.path + once.query)).toEqual(once)
    }
  })
})

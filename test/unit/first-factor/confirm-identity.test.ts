import { describe, expect, it } from 'vitest'
import {
  type IdentityEvidence,
  type IdentitySource,
  readConfirmedIdentity,
} from '../../../gateway/first-factor/confirm-identity.ts'

function evidence(parts: Partial<IdentityEvidence> & { headers?: Record<string, string> }): IdentityEvidence {
  return {
    setCookies: parts.setCookies ?? [],
    header: (name) => parts.headers?.[name.toLowerCase()],
    body: parts.body ?? (async () => ''),
    ask: parts.ask ?? (async () => ''),
  }
}

describe('whom the panel says it signed in', () => {
  it.each<[IdentitySource, IdentityEvidence, string | null]>([
    [{ cookie: 'wp_user' }, evidence({ setCookies: ['wp_user=Alice%20B; Path=/'] }), 'Alice B'],
    [{ cookie: 'uid', regex: '^user:(\\w+)$' }, evidence({ setCookies: ['uid="user:bob"'] }), 'bob'],
    [{ cookie: 'wp_user' }, evidence({ setCookies: ['other=x'] }), null],
    [{ header: 'X-Panel-User' }, evidence({ headers: { 'x-panel-user': 'carol' } }), 'carol'],
    [{ json_pointer: '/user/name' }, evidence({ body: async () => '{"user":{"name":"dave"}}' }), 'dave'],
    [{ json_pointer: '/user/id' }, evidence({ body: async () => '{"user":{"id":7}}' }), null],
    [{ json_pointer: '/a~1b' }, evidence({ body: async () => '{"a/b":"eve"}' }), 'eve'],
    [{ json_pointer: '/user' }, evidence({ body: async () => 'not json' }), null],
    [
      { path: '/admin/', regex: 'Welcome,\\s*<strong>([^<]+)</strong>' },
      evidence({ ask: async () => 'Welcome, <strong>O&#39;Brien &amp; co</strong>.' }),
      "O'Brien & co",
    ],
    [{ path: '/admin/', regex: 'Welcome, <strong>([^<]+)' }, evidence({ ask: async () => '<form>' }), null],
    [
      { path: '/api/me', json_pointer: '/login' },
      evidence({ ask: async () => '{"login":"frank"}' }),
      'frank',
    ],
  ])('%j → %s', async (source, given, expected) => {
    expect(await readConfirmedIdentity(source, given)).toBe(expected)
  })

  it('asks the panel for the configured page', async () => {
    const asked: string[] = []
    await readConfirmedIdentity(
      { path: '/whoami', json_pointer: '/u' },
      evidence({
        ask: async (path) => {
          asked.push(path)
          return '{}'
        },
      }),
    )
    expect(asked).toEqual(['/whoami'])
  })
})

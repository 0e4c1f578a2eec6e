import { describe, expect, it } from 'vitest'
import { type Identity, IdentityHeaders } from '../../../gateway/proxy/identity-headers.ts'

const names = { user: 'Remote-User', name: 'Remote-Name', email: 'Remote-Email', groups: 'Remote-Groups' }
const identity = new IdentityHeaders(names)

function added(who: Identity): Record<string, string> {
  const headers: string[] = []
  identity.add(headers, who)
  const named: Record<string, string> = {}
  for (let i = 0; i < headers.length; i += 2) named[headers[i] as string] = headers[i + 1] as string
  return named
}

describe('what the panel is told about a verified user', () => {
  it.each([
    ['a plain name', 'alice', 'alice'],
    ['printable ASCII with spaces', 'Alice Smith', 'Alice Smith'],
    ['non-ASCII, as UTF-8 escapes', 'José', 'Jos%C3%A9'],
    [
      'CR LF, which would start a header of its own',
      'eve\r\nRemote-Groups: admins',
      'eve%0D%0ARemote-Groups: admins',
    ],
    ['a NUL', 'eve\u0000', 'eve%00'],
    ['a tab', 'eve\tx', 'eve%09x'],
    ['DEL', 'eve\u007f', 'eve%7F'],
    ['a percent sign, so the escapes stay unambiguous', '100%', '100%25'],
    ['a comma, which separates groups', 'smith, alice', 'smith%2C alice'],
  ])('%s: %j is sent as %j', (_case, user, sent) => {
    expect(added({ user })['Remote-User']).toBe(sent)
  })

  it.each([
    [
      'each group made safe, joined by commas',
      ['admins', 'ops,dev', 'Zürich'],
      'admins,ops%2Cdev,Z%C3%BCrich',
    ],
    ['no header for no groups', [], undefined],
  ])('groups: %s', (_case, groups, sent) => {
    expect(added({ user: 'alice', groups })['Remote-Groups']).toBe(sent)
  })

  it.each<[string, Identity]>([
    ['no name or email', { user: 'alice' }],
    ['an empty name and a null email', { user: 'alice', name: '', email: null }],
  ])('sends only the user header for %s', (_case, who) => {
    expect(Object.keys(added(who))).toEqual(['Remote-User'])
  })
})

describe("forward-auth's answer", () => {
  it('names every configured header, empty when nobody is known', () => {
    expect(identity.answer(null)).toEqual({
      'Remote-User': '',
      'Remote-Name': '',
      'Remote-Email': '',
      'Remote-Groups': '',
    })
  })

  it('fills in what is known and leaves the rest empty', () => {
    const answer = identity.answer({ user: 'alice', email: 'a@example.com' })
    expect(answer['Remote-User']).toBe('alice')
    expect(answer['Remote-Email']).toBe('a@example.com')
    expect(answer['Remote-Name']).toBe('')
    expect(answer['Remote-Groups']).toBe('')
  })
})

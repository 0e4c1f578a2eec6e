import { describe, expect, it } from 'vitest'
import { canonicalUsername } from '../../../gateway/first-factor/canonical-username.ts'
import { parseUsers, UsersFileError } from '../../../gateway/first-factor/local-users.ts'

const aHash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA'

function problemsOf(text: string): string[] {
  try {
    parseUsers('users.yaml', text, false)
  } catch (error) {
    if (error instanceof UsersFileError) return error.problems
    throw error
  }
  return []
}

describe('the users file', () => {
  it('reads users under their canonical names, with defaults for what is left out', () => {
    const users = parseUsers(
      'users.yaml',
      `users:\n  " Alice ":\n    password: "${aHash}"\n    groups: [staff]\n  bob:\n    password: "${aHash}"\n    displayname: Bob B.\n    email: bob@example.com\n    disabled: true\n`,
      false,
    )
    expect(users.get('alice')).toEqual({
      name: 'alice',
      displayName: 'Alice',
      email: null,
      groups: ['staff'],
      disabled: false,
      passwordHash: aHash,
    })
    expect(users.get('bob')).toMatchObject({
      displayName: 'Bob B.',
      email: 'bob@example.com',
      disabled: true,
    })
  })

  it('refuses two entries that are one person once case and width are folded', () => {
    expect(
      problemsOf(`users:\n  Alice: {password: "${aHash}"}\n  ａｌｉｃｅ: {password: "${aHash}"}\n`),
    ).toEqual(["users: 'ａｌｉｃｅ' and another entry are the same user 'alice'"])
  })

  it('names each problem without echoing a password hash', () => {
    const problems = problemsOf(
      'users:\n  alice: {password: "$2y$10$bcrypthashnotargon"}\n  bob: {password: "x", email: nope, colour: red}\n',
    )
    expect(problems).toEqual([
      'users.alice.password: expected an argon2id hash as `tapgate hash-password` prints it, got (hidden)',
      'users.bob.password: expected an argon2id hash as `tapgate hash-password` prints it, got (hidden)',
      "users.bob.email: expected an email address, got 'nope'",
      "users.bob: unknown key 'colour'",
    ])
    expect(problemsOf('users: [alice]')).toHaveLength(1)
    expect(problemsOf('users: {alice: {password: "x"')[0]).toMatch(/^not valid YAML/)
  })
})

describe('canonical usernames', () => {
  it('folds case (also ß), width and surrounding space, unless told to keep case', () => {
    expect(canonicalUsername('  Alice ', false)).toBe('alice')
    expect(canonicalUsername('ＡＬＩＣＥ', false)).toBe('alice')
    expect(canonicalUsername('Straße', false)).toBe(canonicalUsername('STRASSE', false))
    expect(canonicalUsername('Alice', true)).toBe('Alice')
  })
})

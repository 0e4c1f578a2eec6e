import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tapgate } from '../support/cli.ts'

describe('tapgate explain-path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tapgate-explain-'))
  const file = join(dir, 'rules.yaml')
  writeFileSync(
    file,
    [
      'public_url: http://localhost:3000',
      'upstream: {url: http://127.0.0.1:1}',
      'first_factor: {panel_cookies: [session]}',
      `encryption_key: ${'k'.repeat(40)}`,
      'rules:',
      '  - {prefix: /admin, policy: deny}',
      '  - {prefix: /api/, policy: bypass, headers: {Authorization: "^whm "}}',
      'default_policy: two_factor',
      '',
    ].join('\n'),
  )
  const explain = (...args: string[]) => tapgate(['explain-path', file, ...args])

  it('names the rule that decides, and what the panel would receive', async () => {
    expect(await explain('/api/../admin;x?y=1')).toEqual({
      code: 0,
      stdout: '/api/../admin;x?y=1: the panel would receive /admin;x?y=1\nrules.0 (prefix /admin) → deny\n',
      stderr: '',
    })
  })

  it('takes the strictest reading: /Admin is denied like /admin', async () => {
    expect((await explain('/Admin')).stdout).toContain('rules.0 (prefix /admin) → deny\n')
  })

  it('matches header conditions from --header', async () => {
    expect((await explain('/api/x')).stdout).toContain('default_policy → two_factor\n')
    const withKey = await explain('/api/x', '--header', 'Authorization: whm root:token')
    expect(withKey.stdout).toContain('rules.1 (prefix /api/, headers authorization) → bypass\n')
  })

  it('says why an ambiguous path is refused', async () => {
    const result = await explain('/api/%2e%2e%2fadmin')
    expect(result.stdout).toBe("/api/%2e%2e%2fadmin: refused with 400, path contains an encoded '/' (%2F)\n")
  })

  it("tells the panel's login, its login page and tapgate's own pages apart", async () => {
    const login = (await explain('/login')).stdout
    expect(login).toContain("the panel's login, by any method, when it carries a username or password field")
    expect(login).toContain("otherwise the panel's login page: always reachable (bypass)\n")
    const spelling = (await explain('/LOGIN;x')).stdout
    expect(spelling).toContain("the panel's login, by any method")
    expect(spelling).toContain('default_policy → two_factor\n')
    expect((await explain('/_tapgate/account')).stdout).toBe(
      "/_tapgate/account: tapgate's own page (not proxied)\n",
    )
  })

  it('explains the decision the gateway makes: a path that only normalises into the prefix is a 404', async () => {
    // The gateway serves its pages by the raw target and refuses these (policy/decide-request.ts).
    for (const target of ['//_tapgate/account', '/x/../_tapgate/account']) {
      expect((await explain(target)).stdout).toBe(
        `${target}: refused with 404: it only normalises into tapgate's prefix\n`,
      )
    }
  })

  it('exits 2 with the usage for a missing target or a malformed header', async () => {
    const missing = await tapgate(['explain-path'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('Usage: tapgate explain-path [FILE] TARGET')
    const malformed = await explain('/x', '--header', 'no colon')
    expect(malformed.code).toBe(2)
    expect(malformed.stderr).toContain("--header 'no colon': expected 'Name: value'")
  })
})

import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { verify } from '@node-rs/argon2'
import { describe, expect, it } from 'vitest'
import { tapgate, tapgateWithInput } from '../support/cli.ts'

describe('tapgate check-config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tapgate-cli-'))

  it('exits 2 and prints one line per problem for a bad config', async () => {
    const file = join(dir, 'bad.yaml')
    writeFileSync(
      file,
      'public_url: http://localhost:3000\nupstream: {url: http://127.0.0.1:1}\nfirst_factor: {panel_cookies: [s]}\ndefault_policy: allow\n',
    )
    const result = await tapgate(['check-config', file])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe(
      `${file}: 2 problem(s):\n` +
        "  default_policy: expected one of bypass|two_factor|deny, got 'allow'\n" +
        '  encryption_key: required (expected string)\n',
    )
  })

  it('exits 0 for every example config in config/', async () => {
    const examples = readdirSync('config').filter((name) => name.endsWith('.yaml'))
    expect(examples.length).toBeGreaterThan(0)
    for (const name of examples) {
      // The examples name secret files that exist only on a real host; the environment stands in for them.
      const result = await tapgate(['check-config', join('config', name)], {
        TAPGATE_ENCRYPTION_KEY: 'x'.repeat(40),
        TAPGATE_STORE_REDIS_URL: 'redis://127.0.0.1:6379/0',
        TAPGATE_YUBICO_API_KEY: 'c2VjcmV0LWtleQ==',
      })
      expect({ name, ...result }).toEqual({
        name,
        code: 0,
        stdout: `config/${name}: configuration is valid\n`,
        stderr: '',
      })
    }
  })

  it('refuses to serve with a bad config, naming the problems', async () => {
    const result = await tapgate(['serve', '--config', join(dir, 'missing.yaml')])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('missing.yaml: cannot read the config file (ENOENT)')
  })
})

describe('tapgate hash-password', () => {
  it('prints an argon2id hash of the password piped in, for the users file', async () => {
    const { stdout, code } = await tapgateWithInput(['hash-password'], 'correct horse\n')
    expect(code).toBe(0)
    const printed = stdout.trim()
    expect(printed).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    expect(await verify(printed, 'correct horse')).toBe(true)
    expect(await tapgateWithInput(['hash-password'], '')).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'tapgate: empty password; nothing printed\n',
    })
  })
})

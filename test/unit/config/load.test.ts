import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfigFile, parseConfig } from '../../../gateway/config/load.ts'
import { metadataEntry, metadataPayload } from '../../support/fido-metadata.ts'

const key = 'k'.repeat(40)
const minimal = {
  public_url: 'https://panel.example.com',
  upstream: { url: 'http://127.0.0.1:2082' },
  encryption_key: key,
}

function problemsOf(raw: unknown, env: Record<string, string> = {}): string[] {
  const result = parseConfig(raw, { baseDir: '/etc/tapgate', env })
  return result.ok ? [] : result.problems
}

describe('config validation', () => {
  it('accepts a minimal config and fills in the documented defaults', () => {
    const result = parseConfig(minimal, { baseDir: '/etc/tapgate', env: {} })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.config.listen).toEqual({ host: '127.0.0.1', port: 8080 })
    expect(result.config.prefix).toBe('/_tapgate')
    expect(result.config.default_policy).toBe('two_factor')
    expect(result.config.session).toEqual({
      cookie_name: 'tapgate_session',
      idle: 1_800_000,
      absolute: 43_200_000,
      pending: 300_000,
    })
    expect(result.config.first_factor.success.status).toEqual([302, 303])
    expect(result.config.store.embedded_path).toBe('/etc/tapgate/tapgate.db')
  })

  it('reports every problem, one line each, naming the key path, what was expected and what was found', () => {
    expect(
      problemsOf({
        ...minimal,
        public_url: 'ftp://x',
        rules: [{ prefix: '/api/', policy: 'bypass' }, { path: '/x', policy: 'allow' }, { policy: 'deny' }],
        session: { idle: 'forever' },
        regulation: { window: '1h', ban_time: '5m' },
        surprise: 1,
      }),
    ).toEqual([
      "public_url: expected an http or https origin such as https://panel.example.com, got 'ftp://x'",
      "rules.1.policy: expected one of bypass|two_factor|deny, got 'allow'",
      'rules.2: expected exactly one of path, prefix or regex',
      "session.idle: expected a duration such as '30s', '5m', '12h' or '30d', got 'forever'",
      "(top level): unknown key 'surprise'",
    ])
  })

  it('reports an unparsable URL as a problem, not a crash', () => {
    expect(problemsOf({ ...minimal, public_url: 'nope', upstream: { url: 'also nope' } })).toEqual([
      "public_url: expected an http or https origin such as https://panel.example.com, got 'nope'",
      "upstream.url: expected an absolute http or https URL, got 'also nope'",
    ])
  })

  it('checks values across fields once each field is valid', () => {
    expect(problemsOf({ ...minimal, regulation: { window: '1h', ban_time: '5m' } })).toEqual([
      'regulation.window: expected a window no longer than regulation.ban_time',
    ])
  })

  it('names missing required keys', () => {
    expect(problemsOf({ public_url: 'http://localhost:3000' })).toEqual([
      'upstream: required (expected object)',
      'encryption_key: required (expected string)',
    ])
  })

  it('rejects bad networks, regexes and listen addresses with their key paths', () => {
    expect(
      problemsOf({
        ...minimal,
        listen: 'localhost',
        trusted_proxies: ['10.0.0.0/33'],
        rules: [{ regex: '(', policy: 'bypass' }],
      }),
    ).toEqual([
      "listen: expected 'host:port', such as '127.0.0.1:8080', got 'localhost'",
      "trusted_proxies.0: expected an IP address or CIDR network such as '10.0.0.0/8', got '10.0.0.0/33'",
      "rules.0.regex: expected a valid regular expression, got '('",
    ])
  })

  it('never prints a secret, not even a wrong one', () => {
    const problems = problemsOf({ ...minimal, encryption_key: 'short-secret-value' })
    expect(problems).toEqual(['encryption_key: expected at least 32 characters, got (hidden)'])
    expect(problems.join('\n')).not.toContain('short-secret-value')
  })
})

describe('secrets from the environment or a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tapgate-config-'))
  const { encryption_key: _, ...withoutKey } = minimal

  it('reads <key>_file relative to the config file', () => {
    writeFileSync(join(dir, 'key.txt'), `${'f'.repeat(40)}\n`)
    const result = parseConfig({ ...withoutKey, encryption_key_file: 'key.txt' }, { baseDir: dir, env: {} })
    expect(result.ok && result.config.encryption_key).toBe('f'.repeat(40))
  })

  it('takes TAPGATE_ENCRYPTION_KEY and TAPGATE_STORE_REDIS_URL from the environment', () => {
    const result = parseConfig(withoutKey, {
      baseDir: dir,
      env: { TAPGATE_ENCRYPTION_KEY: 'e'.repeat(40), TAPGATE_STORE_REDIS_URL: 'redis://:pw@redis:6379/0' },
    })
    expect(result.ok && result.config.encryption_key).toBe('e'.repeat(40))
    expect(result.ok && result.config.store.redis_url).toBe('redis://:pw@redis:6379/0')
  })

  it('refuses a secret given twice, and a file that cannot be read', () => {
    expect(problemsOf({ ...minimal, encryption_key_file: 'key.txt' })).toEqual([
      'encryption_key: expected either encryption_key or encryption_key_file, got both',
    ])
    expect(problemsOf({ ...withoutKey, encryption_key_file: 'missing.txt' })).toEqual([
      "encryption_key_file: cannot read 'missing.txt' (ENOENT)",
      'encryption_key: required (expected string)',
    ])
  })

  it('reports unreadable files and YAML syntax errors in one line', () => {
    expect(loadConfigFile(join(dir, 'nope.yaml'))).toEqual({
      ok: false,
      problems: [`${join(dir, 'nope.yaml')}: cannot read the config file (ENOENT)`],
    })
    writeFileSync(join(dir, 'bad.yaml'), 'listen: [unclosed\n')
    const result = loadConfigFile(join(dir, 'bad.yaml'))
    expect(result.ok).toBe(false)
    expect(!result.ok && result.problems[0]).toMatch(/bad\.yaml: not valid YAML: /)
  })

  it('resolves factors.webauthn.metadata_file from the config directory and reports an unusable one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapgate-config-'))
    writeFileSync(
      join(dir, 'blob.json'),
      JSON.stringify(
        metadataPayload([
          metadataEntry({ aaguid: '2fc0579f-8113-47ea-b116-bb5a8db9202a', description: 'YubiKey 5 NFC' }),
        ]),
      ),
    )
    const withFile = (file: string) => ({ ...minimal, factors: { webauthn: { metadata_file: file } } })
    const result = parseConfig(withFile('blob.json'), { baseDir: dir, env: {} })
    expect(result.ok && result.config.factors.webauthn.metadata_file).toBe(join(dir, 'blob.json'))
    expect(parseConfig(withFile('missing.jwt'), { baseDir: dir, env: {} })).toEqual({
      ok: false,
      problems: [`factors.webauthn.metadata_file: cannot read '${join(dir, 'missing.jwt')}' (ENOENT)`],
    })
  })
})

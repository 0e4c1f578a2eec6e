import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../gateway/load-config.ts'

/** Issue 17: any key from the environment, for container platforms: TAPGATE_ and the path, `__` between parts. */
const file = {
  public_url: 'https://panel.example.com',
  upstream: { url: 'http://127.0.0.1:2082' },
  first_factor: { panel_cookies: ['session'] },
  encryption_key: 'k'.repeat(40),
}

function load(env: Record<string, string>) {
  return parseConfig(file, { baseDir: '/', env })
}

describe('environment overrides', () => {
  it('set nested and top-level keys over the file, read as YAML values', () => {
    const loaded = load({
      TAPGATE_UPSTREAM__URL: 'http://10.0.0.5:2082',
      TAPGATE_PUBLIC_URL: 'https://cp.example.com',
      TAPGATE_FACTORS__SMS__ENABLED: 'true',
      TAPGATE_FACTORS__SMS__NOTIFIER__TYPE: 'log',
      TAPGATE_REGULATION__MAX_FAILURES: '3',
      TAPGATE_ADMINS: '[alice, bob]',
      TAPGATE_SESSION__IDLE: '15m',
      TAPGATE_RULES: '[{prefix: /api/, policy: bypass}]',
    })
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'))
    const { config } = loaded
    expect(config.upstream.url).toBe('http://10.0.0.5:2082')
    expect(config.public_url).toBe('https://cp.example.com')
    expect(config.factors.sms.enabled).toBe(true)
    expect(config.regulation.max_failures).toBe(3)
    expect(config.admins).toEqual(['alice', 'bob'])
    expect(config.session.idle).toBe(15 * 60_000)
    expect(config.rules).toMatchObject([{ prefix: '/api/', policy: 'bypass' }])
    // The rest of the file stands.
    expect(config.first_factor.panel_cookies).toMatchObject([{ name: 'session' }])
  })

  it('names the variable in a problem with the value it set', () => {
    const loaded = load({ TAPGATE_UPSTREAM__URL: 'not a url', TAPGATE_REGULATION__MAX_FAILURES: 'many' })
    expect(loaded.ok).toBe(false)
    if (loaded.ok) return
    expect(loaded.problems).toEqual([
      expect.stringMatching(/^upstream\.url: .* \(from TAPGATE_UPSTREAM__URL\)$/),
      expect.stringMatching(/^regulation\.max_failures: .* \(from TAPGATE_REGULATION__MAX_FAILURES\)$/),
    ])
  })

  it('reports an unknown key it names like one in the file', () => {
    const loaded = load({ TAPGATE_UPSTREAM__URLL: 'http://10.0.0.5' })
    expect(loaded.ok).toBe(false)
    if (!loaded.ok) expect(loaded.problems.join('\n')).toContain('TAPGATE_UPSTREAM__URLL')
  })

  it('leaves alone variables that name no key, empty ones, and the secrets, which have their own', () => {
    const loaded = load({
      TAPGATE_CONFIG: '/etc/tapgate/tapgate.yaml',
      TAPGATE_UPSTREAM__TIMEOUT: '',
      TAPGATE_ENCRYPTION_KEY: 'e'.repeat(40),
      OTHER_UPSTREAM__URL: 'http://10.0.0.9',
    })
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'))
    expect(loaded.config.upstream.url).toBe('http://127.0.0.1:2082')
    expect(loaded.config.upstream.timeout).toBe(30_000)
    // TAPGATE_ENCRYPTION_KEY is the key's own variable, as before: it wins over the file.
    expect(loaded.config.encryption_key).toBe('e'.repeat(40))
  })
})

describe("a secret's file from the environment (a systemd credential)", () => {
  it('replaces the file the config names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapgate-credential-'))
    writeFileSync(join(dir, 'encryption-key'), `${'c'.repeat(40)}\n`)
    const loaded = parseConfig(
      { ...file, encryption_key: undefined, encryption_key_file: '/etc/tapgate/encryption-key' },
      { baseDir: '/', env: { TAPGATE_ENCRYPTION_KEY_FILE: join(dir, 'encryption-key') } },
    )
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'))
    expect(loaded.config.encryption_key).toBe('c'.repeat(40))
  })
})

import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { parseUsers } from '../../../gateway/first-factor/local-users.ts'
import { parseConfig } from '../../../gateway/load-config.ts'
import { configKeys, readsSecretFile } from '../../support/config-keys.ts'
import { codeBlocks } from '../../support/markdown.ts'

/**
 * What the documentation shows, and the examples in config/, tapgate accepts as it is. Each ```yaml
 * block in docs/ opens with a comment saying what it is:
 *   # tapgate config …   a config file or part of one (completed with public_url, upstream.url and,
 *                        without a first_factor block, the panel's session cookie)
 *   # users file …       a users file (first_factor.mode: local)
 *   # compose file …     a Docker Compose file (read as YAML here; docker-compose checks the rest)
 * Secrets named by `<key>_file` get stand-in files, as /etc/tapgate does not exist here, and a
 * relative `users_file: users.yaml` finds a copy of config/users/example-users.yaml.
 */
const pages = ['docs/configuration.md', ...readdirSync('docs/guides').map((name) => `docs/guides/${name}`)]
const blocks = pages.flatMap((file) =>
  codeBlocks(readFileSync(file, 'utf8'), 'yaml').map((block) => ({
    ...block,
    where: `${file}:${block.line}`,
    kind: kindOf(block.text),
  })),
)

function kindOf(text: string): 'config' | 'users' | 'compose' | 'unmarked' {
  if (text.startsWith('# tapgate config')) return 'config'
  if (text.startsWith('# users file')) return 'users'
  if (text.startsWith('# compose file')) return 'compose'
  return 'unmarked'
}

const exampleConfigs = readdirSync('config')
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => join('config', name))

const secrets = [...configKeys().keys()].filter((key) => !key.includes('[]') && readsSecretFile(key))
const standIns = mkdtempSync(join(tmpdir(), 'tapgate-doc-configs-'))
copyFileSync('config/users/example-users.yaml', join(standIns, 'users.yaml'))
copyFileSync('demo/logo.svg', join(standIns, 'logo.svg'))
for (const key of secrets) {
  // Valid for every secret but the Redis URL: base64 characters, longer than 32.
  const value =
    key === 'store.redis_url' ? 'rediss://127.0.0.1:6380/0' : 'c3RhbmQtaW4gc2VjcmV0LCBsb25nIGVub3VnaA'
  writeFileSync(join(standIns, key), value)
}

afterAll(() => rmSync(standIns, { recursive: true, force: true }))

type Mapping = Record<string, unknown>

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Points every secret's `<key>_file` at its stand-in. */
function withStandInSecrets(document: Mapping): Mapping {
  for (const key of secrets) {
    const parts = key.split('.')
    const leaf = `${parts.pop()}_file`
    const parent = parts.reduce<unknown>((node, part) => (isMapping(node) ? node[part] : undefined), document)
    if (isMapping(parent) && leaf in parent) parent[leaf] = join(standIns, key)
  }
  return document
}

function overlay(base: Mapping, part: Mapping): Mapping {
  const merged: Mapping = { ...base }
  for (const [key, value] of Object.entries(part)) {
    const under = merged[key]
    merged[key] = isMapping(value) && isMapping(under) ? overlay(under, value) : value
  }
  return merged
}

function problemsOf(document: Mapping, baseDir: string): string[] {
  const result = parseConfig(withStandInSecrets(document), { baseDir, env: {} })
  return result.ok ? [] : result.problems
}

describe('YAML in the documentation', () => {
  it('says what each block is', () => {
    expect(blocks.length).toBeGreaterThan(10)
    expect(blocks.filter((block) => block.kind === 'unmarked').map((block) => block.where)).toEqual([])
  })

  it.each(blocks.filter((block) => block.kind === 'config'))('$where is a valid config', ({ text }) => {
    const part = parseYaml(text) as Mapping
    const base: Mapping = {
      public_url: 'https://panel.example.com',
      upstream: { url: 'http://127.0.0.1:2082' },
      // A fragment about something else fronts a panel whose session cookie is named.
      ...(!('first_factor' in part) && { first_factor: { panel_cookies: ['session'] } }),
    }
    // A fragment without a key gets one; withStandInSecrets points the file at the stand-in.
    if (!('encryption_key' in part) && !('encryption_key_file' in part)) base.encryption_key_file = ''
    expect(problemsOf(overlay(base, part), standIns)).toEqual([])
  })

  it.each(blocks.filter((block) => block.kind === 'users'))('$where is a valid users file', ({ text }) => {
    expect(() => parseUsers('users.yaml', text, false)).not.toThrow()
  })

  it.each(blocks.filter((block) => block.kind === 'compose'))('$where is a compose file', ({ text }) => {
    expect(Object.keys(parseYaml(text) as Mapping)).toContain('services')
  })
})

describe('the example configs in config/', () => {
  it.each(exampleConfigs)('%s is valid', (file) => {
    const document = parseYaml(readFileSync(file, 'utf8')) as Mapping
    expect(problemsOf(document, resolve('config'))).toEqual([])
  })

  it('config/users/example-users.yaml is a valid users file', () => {
    const file = 'config/users/example-users.yaml'
    expect(parseUsers(file, readFileSync(file, 'utf8'), false).has('alice')).toBe(true)
  })
})

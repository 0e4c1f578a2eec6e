import { parse as parseYaml } from 'yaml'

/** One key set from the environment: `TAPGATE_UPSTREAM__URL` is `upstream.url`. */
export interface EnvironmentOverride {
  variable: string
  path: string[]
  value: unknown
}

const prefix = 'TAPGATE_'

/**
 * Every config key from an environment variable, for container platforms: `TAPGATE_` and the key's
 * path in capitals, its parts joined by `__` (`TAPGATE_UPSTREAM__URL`, `TAPGATE_FACTORS__SMS__ENABLED`,
 * `TAPGATE_PUBLIC_URL`). The value is read as YAML, so `TAPGATE_ADMINS='[alice, bob]'` is a list and
 * `TAPGATE_FACTORS__SMS__ENABLED=true` a boolean. Variables naming no top-level key (TAPGATE_CONFIG)
 * and the secrets, which have variables of their own (load-config.ts), are not overrides, but the
 * file a secret is read from is (`TAPGATE_ENCRYPTION_KEY_FILE=%d/encryption-key` in a systemd unit
 * that loads it as a credential); an empty one is as good as unset.
 */
export function environmentOverrides(
  env: Readonly<Record<string, string | undefined>>,
  topLevelKeys: ReadonlySet<string>,
  secretPaths: ReadonlySet<string>,
): { overrides: EnvironmentOverride[]; problems: string[] } {
  const overrides: EnvironmentOverride[] = []
  const problems: string[] = []
  for (const [variable, text] of Object.entries(env)) {
    if (!variable.startsWith(prefix) || text === undefined || text === '') continue
    const path = variable.slice(prefix.length).toLowerCase().split('__')
    const dotted = path.join('.')
    const secretFile = dotted.endsWith('_file') && secretPaths.has(dotted.slice(0, -'_file'.length))
    if (!secretFile && !topLevelKeys.has(path[0] ?? '')) continue
    if (path.some((part) => part === '') || secretPaths.has(dotted)) continue
    try {
      overrides.push({ variable, path, value: parseYaml(text) })
    } catch (error) {
      problems.push(`${variable}: not a value YAML can read (${(error as Error).message.split('\n')[0]})`)
    }
  }
  return { overrides, problems }
}

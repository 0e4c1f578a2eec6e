import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { environmentOverrides } from './config/environment-overrides.ts'
import { formatIssue } from './config/issues.ts'
import { LogoFileError, readLogoFile } from './config/logo-file.ts'
import { type Config, configSchema } from './config/schema.ts'
import { MetadataFileError, readAuthenticatorMetadata } from './factors/webauthn/authenticator-metadata.ts'
import { LocalUsers, UsersFileError } from './first-factor/local-users.ts'
import { compileRules } from './policy/compile-rules.ts'

export type LoadResult = { ok: true; config: Config } | { ok: false; problems: string[] }

/** "FILE: 2 problem(s):" and one indented line per problem, as every command reports a bad config. */
export function describeProblems(file: string, problems: readonly string[]): string {
  return `${file}: ${problems.length} problem(s):\n${problems.map((problem) => `  ${problem}\n`).join('')}`
}

type Block = Record<string, unknown>

/**
 * Keys whose value may also come from an environment variable or from a file named by `<key>_file`.
 * `usedIn`: the variable fills the key only where the config has the block holding it and the block
 * passes this test, so a TAPGATE_SMS_WEBHOOK_SECRET left in the environment does not invent a
 * notifier, and a notifier of another type is left alone (one without a type is reported as such);
 * without `usedIn` (the key's block always exists) the variable is used whatever the file says.
 */
const secretKeys: readonly { path: readonly string[]; env: string; usedIn?: (block: Block) => boolean }[] = [
  { path: ['encryption_key'], env: 'TAPGATE_ENCRYPTION_KEY' },
  { path: ['store', 'redis_url'], env: 'TAPGATE_STORE_REDIS_URL' },
  { path: ['store', 'password'], env: 'TAPGATE_STORE_PASSWORD' },
  { path: ['store', 'sentinel_password'], env: 'TAPGATE_STORE_SENTINEL_PASSWORD' },
  { path: ['factors', 'yubico_otp', 'api_key'], env: 'TAPGATE_YUBICO_API_KEY', usedIn: () => true },
  {
    path: ['factors', 'sms', 'notifier', 'secret'],
    env: 'TAPGATE_SMS_WEBHOOK_SECRET',
    usedIn: (notifier) => (notifier.type ?? 'webhook') === 'webhook',
  },
  {
    path: ['factors', 'sms', 'notifier', 'auth_token'],
    env: 'TAPGATE_SMS_AUTH_TOKEN',
    usedIn: (notifier) => (notifier.type ?? 'twilio') === 'twilio',
  },
]

const secretPaths: ReadonlySet<string> = new Set(secretKeys.map((k) => k.path.join('.')))
const topLevelKeys: ReadonlySet<string> = new Set(Object.keys(configSchema.shape))

type Env = Readonly<Record<string, string | undefined>>

export function loadConfigFile(file: string, env: Env = process.env): LoadResult {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    return {
      ok: false,
      problems: [`${file}: cannot read the config file (${(error as NodeJS.ErrnoException).code})`],
    }
  }
  let raw: unknown
  try {
    raw = parseYaml(text, { prettyErrors: true })
  } catch (error) {
    return { ok: false, problems: [`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`] }
  }
  return parseConfig(raw ?? {}, { baseDir: dirname(resolve(file)), env })
}

/** Validates a parsed YAML document; relative file paths are taken from `baseDir`. */
export function parseConfig(raw: unknown, { baseDir, env }: { baseDir: string; env: Env }): LoadResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problems: ['(top level): expected a mapping of keys to values'] }
  }
  const document = structuredClone(raw) as Record<string, unknown>
  const fromEnvironment = environmentOverrides(env, topLevelKeys, secretPaths)
  for (const { path, value } of fromEnvironment.overrides) assign(document, path, value)
  const problems = [
    ...fromEnvironment.problems,
    ...secretKeys.flatMap((key) => resolveSecret(document, key, env[key.env], baseDir)),
  ]
  const result = configSchema.safeParse(document, { reportInput: true })
  if (!result.success) {
    // A secret whose file could not be read is already reported; "required" would say it twice.
    const unread = new Set(problems.map((problem) => problem.split('_file:')[0]))
    const issues = result.error.issues.filter(
      (issue) =>
        !(issue.code === 'invalid_type' && issue.input === undefined && unread.has(issue.path.join('.'))),
    )
    // A key set from the environment is named by its variable too: the file does not say it.
    const variableOf = (path: readonly PropertyKey[]) =>
      fromEnvironment.overrides.find((o) => o.path.every((part, at) => String(path[at]) === part))?.variable
    problems.push(
      ...issues.map((issue) => {
        // An unknown key's issue names the mapping it is in, not the key.
        const paths =
          issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path]
        const variable = paths.map(variableOf).find((found) => found !== undefined)
        const problem = formatIssue(issue, secretPaths)
        return variable === undefined ? problem : `${problem} (from ${variable})`
      }),
    )
  }
  if (problems.length > 0 || !result.success) return { ok: false, problems }
  const config = result.data
  // A rule that can never match (a path not in normalised form) is a config problem, told as one.
  try {
    compileRules(config.rules, config.default_policy)
  } catch (error) {
    if (error instanceof TypeError) return { ok: false, problems: [error.message] }
    throw error
  }
  config.store.embedded_path = resolve(baseDir, config.store.embedded_path)
  if (config.pid_file !== undefined) config.pid_file = resolve(baseDir, config.pid_file)
  if (config.store.identity_file !== undefined) {
    config.store.identity_file = resolve(baseDir, config.store.identity_file)
  }
  for (const tls of [config.store.tls, config.upstream.tls]) {
    for (const file of ['ca_file', 'cert_file', 'key_file'] as const) {
      if (tls?.[file] !== undefined) tls[file] = resolve(baseDir, tls[file])
    }
  }
  const webauthn = config.factors.webauthn
  if (webauthn.metadata_file !== undefined) {
    webauthn.metadata_file = resolve(baseDir, webauthn.metadata_file)
    const problem = metadataProblem(webauthn.metadata_file)
    if (problem !== null) return { ok: false, problems: [`factors.webauthn.metadata_file: ${problem}`] }
  }
  if (config.ui.logo !== undefined) {
    config.ui.logo = resolve(baseDir, config.ui.logo)
    const problem = logoProblem(config.ui.logo)
    if (problem !== null) return { ok: false, problems: [`ui.logo: ${problem}`] }
  }
  const ff = config.first_factor
  if (ff.users_file !== undefined) {
    ff.users_file = resolve(baseDir, ff.users_file)
    const problems = usersFileProblems(ff.users_file, ff.case_sensitive_usernames)
    if (problems.length > 0)
      return { ok: false, problems: problems.map((p) => `first_factor.users_file: ${p}`) }
  }
  return { ok: true, config }
}

/** Read once here so check-config reports a bad users file; the gateway reads and watches it itself. */
function usersFileProblems(file: string, caseSensitive: boolean): string[] {
  try {
    LocalUsers.open(file, caseSensitive)
    return []
  } catch (error) {
    if (error instanceof UsersFileError) return error.problems.map((problem) => `${file}: ${problem}`)
    throw error
  }
}

/** Read once here so check-config reports a bad logo; the asset route reads it again when it starts. */
function logoProblem(file: string): string | null {
  try {
    readLogoFile(file)
    return null
  } catch (error) {
    if (error instanceof LogoFileError) return error.message
    throw error
  }
}

/** Read once here so check-config reports a bad file; the gateway reads it again when it starts. */
function metadataProblem(file: string): string | null {
  try {
    readAuthenticatorMetadata(file)
    return null
  } catch (error) {
    if (error instanceof MetadataFileError) return error.message
    throw error
  }
}

/** Env var, then `<key>_file`, then the literal value; two sources at once is a mistake worth reporting. */
function resolveSecret(
  document: Block,
  { path, usedIn }: (typeof secretKeys)[number],
  fromEnv: string | undefined,
  baseDir: string,
) {
  const key = path.at(-1) as string
  const parent = path.slice(0, -1).reduce<Block | undefined>((node, part) => {
    const child = node?.[part]
    return typeof child === 'object' && child !== null ? (child as Block) : undefined
  }, document)
  const fileKey = `${key}_file`
  const file = parent?.[fileKey]
  const dotted = path.join('.')
  if (parent && fileKey in parent) delete parent[fileKey]
  if (file !== undefined && parent?.[key] !== undefined) {
    return [`${dotted}: expected either ${key} or ${fileKey}, got both`]
  }
  if (fromEnv !== undefined && fromEnv !== '' && (usedIn === undefined || (parent && usedIn(parent)))) {
    assign(document, path, fromEnv)
    return []
  }
  if (file === undefined) return []
  if (typeof file !== 'string') return [`${dotted}_file: expected a file path, got ${typeof file}`]
  try {
    assign(document, path, readFileSync(resolve(baseDir, file), 'utf8').trim())
    return []
  } catch (error) {
    return [`${dotted}_file: cannot read '${file}' (${(error as NodeJS.ErrnoException).code})`]
  }
}

function assign(document: Block, path: readonly string[], value: unknown): void {
  let node = document
  for (const part of path.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {}
    node = node[part] as Block
  }
  node[path.at(-1) as string] = value
}

import { parseArgs } from 'node:util'
import { describeProblems, loadConfigFile } from '../config/load.ts'
import { PanelLoginPaths } from '../first-factor/login-recognition.ts'
import { panelLoginPaths } from '../first-factor/sign-in-page.ts'
import { normalizePath } from '../http/normalize-path.ts'
import { compileRules } from '../policy/compile-rules.ts'
import { decidePolicy, explainPolicy } from '../policy/decide-policy.ts'

const explainPathUsage = `Usage: tapgate explain-path FILE TARGET [--method M] [--ip ADDRESS] [--header 'Name: value' …]
  Which policy a request for TARGET (a path, with or without a query) would get, and from which rule.
`

/**
 * For an operator writing rules: what tapgate makes of a request-target and which rule decides it,
 * without starting the gateway. The same normaliser and rules as a request (routes/panel-access.ts).
 */
export function explainPathCommand(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    options: {
      method: { type: 'string', default: 'GET' },
      ip: { type: 'string', default: '127.0.0.1' },
      header: { type: 'string', multiple: true, default: [] },
    },
    allowPositionals: true,
  })
  const [file, target] = positionals
  const headers = new Map<string, string>()
  for (const line of values.header) {
    const colon = line.indexOf(':')
    if (colon <= 0) return usageError(`--header '${line}': expected 'Name: value'`)
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  if (!file || !target || positionals.length > 2) return usageError()

  const loaded = loadConfigFile(file)
  if (!loaded.ok) {
    process.stderr.write(describeProblems(file, loaded.problems))
    return 2
  }
  const { config } = loaded
  const normalised = normalizePath(target)
  if (!normalised.ok) {
    process.stdout.write(`${target}: refused with 400, ${normalised.reason}\n`)
    return 0
  }
  const { path } = normalised
  process.stdout.write(`${target}: the panel would receive ${path}${normalised.query}\n`)
  if (
    config.first_factor.mode === 'upstream' &&
    new PanelLoginPaths(config.first_factor).mayBeLogin(path, normalised.query)
  ) {
    process.stdout.write(
      "the panel's login, by any method, when it carries a username or password field: read strictly, the panel's session held by tapgate\n",
    )
  }
  if (path === config.prefix || path.startsWith(`${config.prefix}/`)) {
    process.stdout.write("tapgate's own page (not proxied)\n")
  } else if (panelLoginPaths(config).has(path)) {
    process.stdout.write("otherwise the panel's login page: always reachable (bypass)\n")
  } else {
    const policy = compileRules(config.rules, config.default_policy)
    const decision = decidePolicy(policy, {
      path,
      method: values.method,
      clientIp: values.ip,
      header: (name) => headers.get(name),
    })
    process.stdout.write(`${explainPolicy(policy, decision)}\n`)
  }
  return 0
}

function usageError(problem?: string): number {
  if (problem) process.stderr.write(`${problem}\n`)
  process.stderr.write(explainPathUsage)
  return 2
}

import { parseArgs } from 'node:util'
import type { Config } from '../config/schema.ts'
import { PanelLoginPaths } from '../first-factor/login-recognition.ts'
import { panelLoginPaths } from '../first-factor/sign-in-page.ts'
import { type CompiledPolicy, compileRules } from '../policy/compile-rules.ts'
import { explainPolicy } from '../policy/decide-policy.ts'
import { decideRequest, type RequestDecision } from '../policy/decide-request.ts'
import { loadCommandConfig } from './config-path.ts'

export const explainPathUsage = `Usage: tapgate explain-path [FILE] TARGET [--method M] [--ip ADDRESS] [--header 'Name: value' …]
  Which policy a request for TARGET (a path, with or without a query) would get, and from which rule.
  FILE is the config (else --config FILE; see tapgate --help).
`

/**
 * For an operator writing rules: what tapgate makes of a request-target and which rule decides it,
 * without starting the gateway: the decision a request gets (policy/decide-request.ts), made by the same function.
 */
export function explainPathCommand(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    options: {
      method: { type: 'string', default: 'GET' },
      ip: { type: 'string', default: '127.0.0.1' },
      header: { type: 'string', multiple: true, default: [] },
      config: { type: 'string' },
    },
    allowPositionals: true,
  })
  // `explain-path FILE TARGET` as before, or `explain-path TARGET` with the config found as for every command.
  const [file, target] = positionals.length === 2 ? positionals : [values.config, positionals[0]]
  const headers = new Map<string, string>()
  for (const line of values.header) {
    const colon = line.indexOf(':')
    if (colon <= 0) return usageError(`--header '${line}': expected 'Name: value'`)
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  if (!target || positionals.length > 2) return usageError()

  const loaded = loadCommandConfig(file)
  if (loaded === null) return 2
  const { config } = loaded
  const policy = compileRules(config.rules, config.default_policy)
  const rules = { prefix: config.prefix, policy, loginPaths: panelLoginPaths(config) }
  const decided = decideRequest(rules, target, {
    method: values.method,
    clientIp: values.ip,
    header: (name) => headers.get(name),
  })
  process.stdout.write(`${target}: ${explainDecision(config, policy, decided)}\n`)
  return 0
}

function explainDecision(config: Config, policy: CompiledPolicy, decided: RequestDecision): string {
  switch (decided.to) {
    case 'tapgate':
      return "tapgate's own page (not proxied)"
    case 'refused':
      return decided.problem === 'bad_path'
        ? `refused with 400, ${decided.reason}`
        : "refused with 404: it only normalises into tapgate's prefix"
    case 'panel': {
      const { path, query } = decided.target
      const lines = [`the panel would receive ${path}${query}`]
      const ff = config.first_factor
      if (ff.mode === 'upstream' && new PanelLoginPaths(ff).mayBeLogin(path, query)) {
        lines.push(
          "the panel's login, by any method, when it carries a username or password field: read strictly, the panel's session held by tapgate",
        )
      }
      lines.push(
        decided.loginPage
          ? "otherwise the panel's login page: always reachable (bypass)"
          : explainPolicy(policy, decided.decision),
      )
      return lines.join('\n')
    }
  }
}

function usageError(problem?: string): number {
  if (problem) process.stderr.write(`${problem}\n`)
  process.stderr.write(explainPathUsage)
  return 2
}

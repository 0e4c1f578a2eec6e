import type { CompiledPolicy, CompiledRule, PathMatcher, PolicyDecision } from './compile-rules.ts'

const SLASH = 0x2f

export interface PolicyRequest {
  /** The normalised path (`normalizePath`), never the raw target or the query. */
  readonly path: string
  readonly method: string
  /** The resolved client address (`resolveClientAddress`). */
  readonly clientIp: string
  /** Header value by lower-case name; undefined when absent. */
  header(name: string): string | undefined
}

/** First matching rule wins, else the default policy. A rule's absent criteria match everything. */
export function decidePolicy(compiled: CompiledPolicy, request: PolicyRequest): PolicyDecision {
  const method = request.method.toUpperCase()
  for (const rule of compiled.rules) {
    if (ruleMatches(rule, request, method)) return rule.decision
  }
  return compiled.fallback
}

/** "rules.2 (prefix /api/) → bypass" or "default_policy → two_factor", for logs and the CLI. */
export function explainPolicy(compiled: CompiledPolicy, decision: PolicyDecision): string {
  const rule = decision.rulePosition === null ? undefined : compiled.rules[decision.rulePosition]
  if (!rule) return `default_policy → ${decision.policy}`
  return `rules.${rule.position} (${rule.label}) → ${decision.policy}`
}

function ruleMatches(rule: CompiledRule, request: PolicyRequest, method: string): boolean {
  if (!pathMatches(rule.path, request.path)) return false
  if (rule.methods && !rule.methods.includes(method)) return false
  if (rule.networks && !rule.networks.has(request.clientIp)) return false
  for (const condition of rule.headers) {
    const value = request.header(condition.name)
    if (value === undefined || !condition.value.test(value)) return false
  }
  return true
}

/** Case-sensitive, like the path itself (RFC 3986 §6.2.2.1: only scheme and host are case-insensitive). */
function pathMatches(matcher: PathMatcher, path: string): boolean {
  switch (matcher.kind) {
    case 'path':
      return path === matcher.value
    case 'prefix':
      // A prefix covers whole segments only: '/api' covers '/api' and '/api/x' but not '/apix', which is
      // another resource (a bypass for '/public/data' must not open '/public/database'). A prefix ending
      // in '/' ('/api/') covers '/api/' and what is below it, not '/api' itself.
      if (!path.startsWith(matcher.value)) return false
      return (
        matcher.endsWithSlash ||
        path.length === matcher.value.length ||
        path.charCodeAt(matcher.value.length) === SLASH
      )
    case 'regex':
      return matcher.value.test(path)
  }
}

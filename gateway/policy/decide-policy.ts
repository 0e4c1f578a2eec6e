import type { Policy } from '../config/schema.ts'
import type { CompiledPolicy, CompiledRule, PathMatcher, PolicyDecision } from './compile-rules.ts'
import { hasUpperCase, lenientReading } from './path-readings.ts'

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

const STRENGTH: Record<Policy, number> = { bypass: 0, two_factor: 1, deny: 2 }

/**
 * First matching rule wins, else the default policy. A rule's absent criteria match everything. The path
 * is also read the ways panels differ on (without ';' parameters and trailing dots, case-folded), and the
 * strictest policy of those readings applies: a deny for '/admin' covers '/Admin', '/admin;x' and
 * '/admin.', a bypass for '/api/' never opens '/API/' (gateway/policy/path-readings.ts).
 */
export function decidePolicy(compiled: CompiledPolicy, request: PolicyRequest): PolicyDecision {
  const method = request.method.toUpperCase()
  const { path } = request
  const lenient = lenientReading(path)
  let decision = firstMatch(compiled, request, method, path, false)
  if (lenient !== path) {
    decision = stricter(decision, firstMatch(compiled, request, method, lenient, false))
  }
  if (compiled.foldingMatters || hasUpperCase(path)) {
    decision = stricter(decision, firstMatch(compiled, request, method, path.toLowerCase(), true))
    if (lenient !== path) {
      decision = stricter(decision, firstMatch(compiled, request, method, lenient.toLowerCase(), true))
    }
  }
  return decision
}

function firstMatch(
  compiled: CompiledPolicy,
  request: PolicyRequest,
  method: string,
  path: string,
  folded: boolean,
): PolicyDecision {
  for (const rule of compiled.rules) {
    if (pathMatches(folded ? rule.foldedPath : rule.path, path) && criteriaMatch(rule, request, method)) {
      return rule.decision
    }
  }
  return compiled.fallback
}

/** On a tie the first (the exact reading names the rule in logs), unless only it passes panel cookies. */
function stricter(first: PolicyDecision, second: PolicyDecision): PolicyDecision {
  const strength = STRENGTH[second.policy] - STRENGTH[first.policy]
  if (strength !== 0) return strength > 0 ? second : first
  return first.passesPanelCookies && !second.passesPanelCookies ? second : first
}

/** "rules.2 (prefix /api/) → bypass" or "default_policy → two_factor", for logs and the CLI. */
export function explainPolicy(compiled: CompiledPolicy, decision: PolicyDecision): string {
  const rule = decision.rulePosition === null ? undefined : compiled.rules[decision.rulePosition]
  if (!rule) return `default_policy → ${decision.policy}`
  return `rules.${rule.position} (${rule.label}) → ${decision.policy}`
}

function criteriaMatch(rule: CompiledRule, request: PolicyRequest, method: string): boolean {
  if (rule.methods && !rule.methods.includes(method)) return false
  if (rule.networks && !rule.networks.has(request.clientIp)) return false
  for (const condition of rule.headers) {
    const value = request.header(condition.name)
    if (value === undefined || !condition.value.test(value)) return false
  }
  return true
}

/** Case-sensitive, like the path itself (RFC 3986 §6.2.2.1); decidePolicy adds the folded reading. */
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

import type { Policy, Rule } from '../config/schema.ts'
import { NetworkSet } from '../http/networks.ts'
import { normalizePath } from '../http/normalize-path.ts'

export type PathMatcher =
  | { readonly kind: 'path'; readonly value: string }
  | { readonly kind: 'prefix'; readonly value: string; readonly endsWithSlash: boolean }
  | { readonly kind: 'regex'; readonly value: RegExp }

export interface HeaderCondition {
  /** Lower case: header names are case-insensitive (RFC 9110 §5.1). */
  readonly name: string
  readonly value: RegExp
}

export interface PolicyDecision {
  readonly policy: Policy
  /** Index of the matching rule in the config's `rules` list (as in the key path `rules.2`); null = default. */
  readonly rulePosition: number | null
  /** A bypass rule's `panel_cookies: pass`: the panel's session cookies may reach this client. */
  readonly passesPanelCookies: boolean
}

export interface CompiledRule {
  readonly position: number
  readonly path: PathMatcher
  /** The same matcher for the lower-cased reading of a path (gateway/policy/path-readings.ts). */
  readonly foldedPath: PathMatcher
  /** Upper-case method names; null = any method. */
  readonly methods: readonly string[] | null
  readonly networks: NetworkSet | null
  /** Every condition must hold; empty = no header condition. */
  readonly headers: readonly HeaderCondition[]
  /** Built once so a decision allocates nothing. */
  readonly decision: PolicyDecision
  /** "prefix /api/, methods GET" for logs and the CLI. */
  readonly label: string
}

export interface CompiledPolicy {
  readonly rules: readonly CompiledRule[]
  readonly fallback: PolicyDecision
  /** Whether some rule could match a lower-case path differently when folded (an upper-case letter, a regex). */
  readonly foldingMatters: boolean
}

/**
 * Compiles the config's rules once at start-up; a rule that could never work throws a TypeError naming
 * its key path, so a bad config stops the gateway instead of silently falling through to another rule.
 */
export function compileRules(rules: readonly Rule[], defaultPolicy: Policy): CompiledPolicy {
  const compiled = rules.map((rule, position) => compileRule(rule, position))
  return {
    rules: compiled,
    fallback: Object.freeze({ policy: defaultPolicy, rulePosition: null, passesPanelCookies: false }),
    foldingMatters: compiled.some((rule) => rule.foldedPath !== rule.path),
  }
}

function compileRule(rule: Rule, position: number): CompiledRule {
  const key = `rules.${position}`
  const path = compilePathMatcher(rule, key)
  const foldedPath = foldPathMatcher(path)
  const labels = [describePathMatcher(rule)]

  const methods = rule.methods ? rule.methods.map((method) => method.toUpperCase()) : null
  if (methods) labels.push(`methods ${methods.join('|')}`)

  let networks: NetworkSet | null = null
  if (rule.networks) {
    try {
      networks = new NetworkSet(rule.networks)
    } catch (cause) {
      throw new TypeError(`${key}.networks: ${cause instanceof Error ? cause.message : String(cause)}`, {
        cause,
      })
    }
    labels.push(`networks ${rule.networks.join(' ')}`)
  }

  const headers = Object.entries(rule.headers ?? {}).map(([name, source]) => ({
    name: name.toLowerCase(),
    // Unanchored on purpose: operators write value conditions such as '^whm ' or 'token=' and mean
    // "the value starts with / contains"; anchor in the config when the whole value must match.
    value: compileRegex(source, `${key}.headers.${name}`),
  }))
  if (headers.length > 0) labels.push(`headers ${headers.map((header) => header.name).join(' ')}`)

  return {
    position,
    path,
    foldedPath,
    methods,
    networks,
    headers,
    decision: Object.freeze({
      policy: rule.policy,
      rulePosition: position,
      passesPanelCookies: rule.panel_cookies === 'pass',
    }),
    label: labels.join(', '),
  }
}

function compilePathMatcher(rule: Rule, key: string): PathMatcher {
  const { path, prefix, regex } = rule
  if (path !== undefined && prefix === undefined && regex === undefined) {
    return { kind: 'path', value: normalForm(path, `${key}.path`) }
  }
  if (prefix !== undefined && path === undefined && regex === undefined) {
    const value = normalForm(prefix, `${key}.prefix`)
    return { kind: 'prefix', value, endsWithSlash: value.endsWith('/') }
  }
  if (regex !== undefined && path === undefined && prefix === undefined) {
    // Anchored here: the regex describes the whole normalised path, so a bypass written as '/api/.*'
    // cannot also match '/admin/api/x'. The group keeps an alternation ('/a|/b') inside the anchors.
    return { kind: 'regex', value: compileRegex(`^(?:${regex})$`, `${key}.regex`) }
  }
  throw new TypeError(`${key}: expected exactly one of path, prefix or regex`)
}

/** The matcher itself when folding cannot change what it matches. */
function foldPathMatcher(matcher: PathMatcher): PathMatcher {
  switch (matcher.kind) {
    case 'path':
    case 'prefix': {
      const value = matcher.value.toLowerCase()
      return value === matcher.value ? matcher : { ...matcher, value }
    }
    case 'regex':
      return { kind: 'regex', value: new RegExp(matcher.value.source, 'i') }
  }
}

/**
 * Requests are matched after normalisation, so a rule written in another form ('/api//', '/%7euser',
 * '/a/../b') would silently never match.
 */
function normalForm(value: string, key: string): string {
  const normalized = normalizePath(value)
  if (!normalized.ok) throw new TypeError(`${key}: '${value}' is not a valid path: ${normalized.reason}`)
  if (normalized.query !== '' || normalized.path !== value) {
    throw new TypeError(`${key}: expected the normalised form '${normalized.path}' but it's '${value}'`)
  }
  return value
}

function compileRegex(source: string, key: string): RegExp {
  try {
    return new RegExp(source)
  } catch (cause) {
    throw new TypeError(`${key}: expected a valid regular expression but it's '${source}'`, { cause })
  }
}

function describePathMatcher(rule: Rule): string {
  if (rule.path !== undefined) return `path ${rule.path}`
  if (rule.prefix !== undefined) return `prefix ${rule.prefix}`
  return `regex ${rule.regex}`
}

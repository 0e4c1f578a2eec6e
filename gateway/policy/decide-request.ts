import { type NormalizedTarget, normalizePath, type PathRejection } from '../http/normalize-path.ts'
import type { CompiledPolicy, PolicyDecision } from './compile-rules.ts'
import { decidePolicy, type PolicyRequest } from './decide-policy.ts'

export interface RequestRules {
  prefix: string
  policy: CompiledPolicy
  /** The panel's login page and form (behind a panel's own login): how a session starts. */
  loginPaths: ReadonlySet<string>
}

/** A target tapgate proxies: the normalised path the rules were matched on, and the untouched query. */
export type PanelTarget = Extract<NormalizedTarget, { ok: true }>

/** What tapgate does with a request, before any session is looked at. */
export type RequestDecision =
  | { to: 'tapgate' }
  | { to: 'refused'; problem: 'bad_path'; reason: PathRejection }
  | { to: 'refused'; problem: 'not_found' }
  | { to: 'panel'; target: PanelTarget; decision: PolicyDecision; loginPage: boolean }

const alwaysReachable: PolicyDecision = Object.freeze({
  policy: 'bypass',
  rulePosition: null,
  passesPanelCookies: false,
})

/**
 * The one place that decides what a request-target gets (DESIGN "Request flow"), in the order the
 * gateway applies: a raw target under the prefix is tapgate's page; anything else is normalised, and
 * refused when ambiguous or when it only normalises into the prefix (/_tapgate/../_tapgate/2fa,
 * //_tapgate/2fa); the panel's login page is always reachable; the rules decide the rest. The
 * gateway (panel traffic, Upgrade requests, forward-auth) and `tapgate explain-path` both call it,
 * so the CLI never explains a decision the gateway does not make.
 */
export function decideRequest(
  rules: RequestRules,
  target: string,
  request: Omit<PolicyRequest, 'path'>,
): RequestDecision {
  if (isUnderPrefix(target, rules.prefix)) return { to: 'tapgate' }
  const normalised = normalizePath(target)
  if (!normalised.ok) return { to: 'refused', problem: 'bad_path', reason: normalised.reason }
  const { path } = normalised
  if (path === rules.prefix || path.startsWith(`${rules.prefix}/`))
    return { to: 'refused', problem: 'not_found' }
  const loginPage = rules.loginPaths.has(path)
  const decision = loginPage
    ? alwaysReachable
    : decidePolicy(rules.policy, {
        path,
        method: request.method,
        clientIp: request.clientIp,
        header: request.header,
      })
  return { to: 'panel', target: normalised, decision, loginPage }
}

/** Whether the raw target names one of tapgate's own pages: the split the gateway makes first. */
export function isUnderPrefix(target: string, prefix: string): boolean {
  if (!target.startsWith(prefix)) return false
  const next = target[prefix.length]
  return next === undefined || next === '/' || next === '?'
}

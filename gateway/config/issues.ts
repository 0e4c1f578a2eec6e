import type { z } from 'zod'

/**
 * One line per problem, naming the key path, what was expected and what was found:
 *   rules.2.policy: expected one of bypass|two_factor|deny, got 'allow'
 */
export function formatIssue(issue: z.core.$ZodIssue, secretPaths: ReadonlySet<string>): string {
  const path = issue.path.length > 0 ? issue.path.join('.') : '(top level)'
  return `${path}: ${describe(issue, secretPaths.has(path))}`
}

function describe(issue: z.core.$ZodIssue, secret: boolean): string {
  // A secret's value never reaches the terminal or a log, not even a wrong one.
  const got = !('input' in issue) ? '' : secret ? ', got (hidden)' : show(issue.input)
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? `required (expected ${issue.expected})`
        : `expected ${issue.expected}${got}`
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join('|')}${got}`
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`
    case 'too_small':
      return `${issue.message.replace(/^Too small: /, '')}${got}`
    default:
      return `${issue.message}${got}`
  }
}

/** ", got 'x'" for a scalar; nothing for a mapping or list, whose own keys are reported instead. */
function show(value: unknown): string {
  if (typeof value === 'string') return `, got '${value}'`
  if (value === null || typeof value !== 'object') return `, got ${String(value)}`
  return ''
}

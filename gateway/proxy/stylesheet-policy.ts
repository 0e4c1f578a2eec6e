/** ASCII whitespace, which separates a directive's name and its sources (CSP3, parse a serialized CSP). */
const whitespace = /[\t\n\f\r ]+/

/**
 * Whether a page under these Content-Security-Policy values (headers or `<meta>` contents; one value
 * may hold several policies, comma-separated) may load a stylesheet from its own origin. Every policy
 * must allow it; a `<link rel="stylesheet">` is checked against `style-src-elem`, else `style-src`,
 * else `default-src` (CSP3, get the fallback list). Only `'self'` and `*` count as allowing it: a host source naming
 * the page's own address would too, but a policy that lists one instead of 'self' is rare, and
 * reading it wrong could only leave the link out.
 */
export function allowsOwnStylesheet(values: readonly string[]): boolean {
  return values.every((value) => value.split(',').every(allowsInPolicy))
}

function allowsInPolicy(policy: string): boolean {
  const directives = new Map<string, string[]>()
  for (const directive of policy.split(';')) {
    const [name, ...sources] = directive.trim().split(whitespace)
    // A repeated directive is ignored: the first one counts (CSP3, parse a serialized CSP).
    if (name && !directives.has(name.toLowerCase())) directives.set(name.toLowerCase(), sources)
  }
  const sources =
    directives.get('style-src-elem') ?? directives.get('style-src') ?? directives.get('default-src')
  return sources?.some((source) => source === '*' || source.toLowerCase() === "'self'") ?? true
}

/**
 * A field name as the panels that read it may see it: the variable PHP registers (its base name and
 * array path), case-folded because ASP.NET binds names case-insensitively.
 */
interface FoldedName {
  base: string
  /** The array indexes after the base name; '' for "[]", which PHP appends to any array. */
  path: string[]
}

/**
 * Whether a field name, as some panel reads it, may land on the panel's field `field`: "Username",
 * "user.name" for "user_name", "username[]", " username". It errs towards true.
 */
export function readsAsField(field: string): (name: string) => boolean {
  const target = foldName(field)
  return (name) => {
    const { base, path } = foldName(name)
    return base === target.base && path.every((index, i) => indexesMeet(index, target.path[i]))
  }
}

/** Two array paths reach the same variable when one is a prefix of the other, '[]' matching anything. */
function indexesMeet(a: string, b: string | undefined): boolean {
  return b === undefined || a === '' || b === '' || a === b
}

/** PHP's php_register_variable_ex (main/php_variables.c, PHP 8) applied to a field name. */
function foldName(raw: string): FoldedName {
  // PHP drops leading spaces; Django strips spaces around a multipart field's name.
  const name = raw.trim()
  const open = name.indexOf('[')
  const path = open > 0 && name.includes(']', open) ? arrayPath(name.slice(open)) : null
  // Before the first '[', PHP turns ' ' and '.' into '_'. With no ']' after it, the '[' is not an
  // array either: it and every later ' ', '.' and '[' become '_' ("user[na.me" is "user_na_me").
  const base = path === null ? name.replace(/[ .[]/g, '_') : name.slice(0, open).replace(/[ .]/g, '_')
  return { base: fold(base), path: (path ?? []).map(fold) }
}

/** "[a][ ][b]x" → ['a', '', 'b']: PHP reads indexes until a ']' is not followed by '['. */
function arrayPath(brackets: string): string[] {
  const path: string[] = []
  let at = 0
  while (brackets[at] === '[') {
    const close = brackets.indexOf(']', at)
    if (close === -1) break
    const index = brackets.slice(at + 1, close)
    path.push(index === ' ' ? '' : index)
    at = close + 1
  }
  return path
}

/** Full-width and other compatibility spellings, and case, ignored: counting too many names is safe. */
function fold(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase()
}

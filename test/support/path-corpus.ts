import { readFileSync } from 'node:fs'
import type { Policy, Rule } from '../../gateway/config/schema.ts'

/** The rule set every line of test/corpus/paths.txt is written against. */
export const PATH_CORPUS_RULES: Rule[] = [{ prefix: '/api/', policy: 'bypass' }]
export const PATH_CORPUS_DEFAULT_POLICY: Policy = 'two_factor'

export type PathCorpusCase =
  | { line: number; target: string; expected: { status: 400 } }
  | {
      line: number
      /** Raw request-target as Node's `req.url` holds it: one char per byte (Latin-1). */
      target: string
      /** What the upstream must receive: the normalised path, and the query untouched. */
      expected: { path: string; query: string }
      policy: 'bypass' | 'two_factor'
    }

const corpusUrl = new URL('../corpus/paths.txt', import.meta.url)

/** Parses test/corpus/paths.txt (format described at its top); a malformed line throws with its number. */
export function loadPathCorpus(): PathCorpusCase[] {
  const cases: PathCorpusCase[] = []
  const lines = readFileSync(corpusUrl, 'utf8').split('\n')
  lines.forEach((text, index) => {
    const line = index + 1
    if (text === '' || text.startsWith('#')) return
    const fields = text.split('\t')
    if (fields.at(-1)?.startsWith('#')) fields.pop()
    const [rawTarget = '', expected = '', policy, extra] = fields
    const target = decodeBytes(rawTarget, line)
    if (expected === '400' && policy === undefined) {
      cases.push({ line, target, expected: { status: 400 } })
      return
    }
    if (
      !expected.startsWith('/') ||
      (policy !== 'bypass' && policy !== 'two_factor') ||
      extra !== undefined
    ) {
      throw new Error(
        `test/corpus/paths.txt:${line}: expected '<target> TAB 400' or '<target> TAB <path> TAB <policy>'`,
      )
    }
    const queryStart = expected.indexOf('?')
    cases.push({
      line,
      target,
      expected: {
        path: queryStart === -1 ? expected : expected.slice(0, queryStart),
        query: queryStart === -1 ? '' : expected.slice(queryStart),
      },
      policy,
    })
  })
  return cases
}

/** '{XX}' → the char with that byte value (Latin-1, as Node presents raw bytes in `req.url`). */
function decodeBytes(field: string, line: number): string {
  let out = ''
  for (let i = 0; i < field.length; i++) {
    if (field[i] !== '{') {
      out += field[i]
      continue
    }
    const hex = field.slice(i + 1, i + 3)
    if (field[i + 3] !== '}' || !/^[0-9A-Fa-f]{2}$/.test(hex)) {
      throw new Error(`test/corpus/paths.txt:${line}: expected '{XX}' with two hex digits at column ${i + 1}`)
    }
    out += String.fromCharCode(Number.parseInt(hex, 16))
    i += 3
  }
  return out
}

import { isDeepStrictEqual } from 'node:util'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { configSchema } from '../../gateway/config/schema.ts'
import { parseConfig } from '../../gateway/load-config.ts'

/**
 * Every key of the config file as a dotted path (`store.tls.ca_file`), walked from the schema itself,
 * with the field schemas that accept it (more than one when variants of a union share a key, such as
 * `factors.sms.notifier.timeout`). A list of mappings is a key of its own (`rules`) and its items'
 * keys follow as `rules[].prefix`; a mapping is never a key, only its leaves are.
 */
export function configKeys(): Map<string, z.ZodType[]> {
  const keys = new Map<string, z.ZodType[]>()
  collect(configSchema, '', keys)
  return keys
}

function collect(schema: z.ZodType, path: string, into: Map<string, z.ZodType[]>): void {
  const shape = unwrapped(schema)
  if (shape instanceof z.ZodObject) {
    for (const [key, field] of Object.entries(shape.shape)) {
      collect(field as z.ZodType, path === '' ? key : `${path}.${key}`, into)
    }
    return
  }
  if (shape instanceof z.ZodUnion && shape.options.some(isMapping)) {
    for (const option of shape.options as z.ZodType[]) collect(option, path, into)
    return
  }
  into.set(path, [...(into.get(path) ?? []), schema])
  if (shape instanceof z.ZodArray && isMapping(shape.element)) {
    collect(shape.element as z.ZodType, `${path}[]`, into)
  }
}

function isMapping(schema: z.core.$ZodType): boolean {
  return unwrapped(schema as z.ZodType) instanceof z.ZodObject
}

/** Through defaults, optionality and transforms to the shape the YAML value must have. */
function unwrapped(schema: z.ZodType): z.ZodType {
  let inner = schema
  for (;;) {
    if (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault || inner instanceof z.ZodOptional) {
      inner = inner.unwrap() as z.ZodType
    } else if (inner instanceof z.ZodPipe) {
      inner = inner.in as z.ZodType
    } else {
      return inner
    }
  }
}

export type KeyDefault = { kind: 'required' } | { kind: 'none' } | { kind: 'value'; value: unknown }

/** What the schema makes of a key left out: an error, nothing, or a value (every variant must agree). */
export function defaultOf(fields: readonly z.ZodType[]): KeyDefault | 'variants disagree' {
  const results = fields.map((field) => field.safeParse(undefined))
  const kinds: KeyDefault[] = results.map((result) => {
    if (!result.success) return { kind: 'required' }
    return result.data === undefined ? { kind: 'none' } : { kind: 'value', value: result.data }
  })
  return kinds.every((kind) => isDeepStrictEqual(kind, kinds[0]))
    ? (kinds[0] as KeyDefault)
    : 'variants disagree'
}

/**
 * Whether a default written as it would be in the YAML file (`30s`, `[302, 303]`, `tapgate:`) parses to
 * the value the schema fills in. Tried as YAML and as the bare text, since `tapgate:` is a string in
 * a table but a mapping to a YAML parser.
 */
export function writtenAs(fields: readonly z.ZodType[], written: string, value: unknown): boolean {
  const candidates: unknown[] = [written]
  try {
    candidates.push(parseYaml(written))
  } catch {
    // Not YAML on its own: only the bare text is tried.
  }
  return fields.every((field) =>
    candidates.some((candidate) => {
      const parsed = field.safeParse(candidate)
      return parsed.success && isDeepStrictEqual(parsed.data, value)
    }),
  )
}

const missingFile = '/nonexistent/tapgate-config-reference'

/**
 * The keys load.ts also takes from `<key>_file` and an environment variable: found by naming a
 * missing file for each key and seeing which ones tapgate tries to read. With `env`, a variable that
 * takes over from the file is found the same way: the file is then never read.
 */
export function readsSecretFile(key: string, env: Record<string, string> = {}): boolean {
  const parts = key.split('.')
  const leaf = parts.pop() as string
  const raw = parts.reduceRight<Record<string, unknown>>((inner, part) => ({ [part]: inner }), {
    [`${leaf}_file`]: missingFile,
  })
  const result = parseConfig(raw, { baseDir: '/', env })
  return !result.ok && result.problems.some((problem) => problem.startsWith(`${key}_file: cannot read`))
}

import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { configKeys, defaultOf, readsSecretFile, writtenAs } from '../../support/config-keys.ts'
import { type TableRow, tableRows } from '../../support/markdown.ts'

/**
 * docs/configuration.md is the configuration reference: a `| key | default | meaning |` row for every
 * key the schema accepts (lists of mappings as `rules` plus `rules[].prefix` …), with the default the
 * schema really fills in. Other pages may quote rows in the same shape; they are held to the same
 * keys and defaults, but need not list them all.
 */
const referenceFile = 'docs/configuration.md'
const otherPages = ['README.md', ...readdirSync('docs/guides').map((name) => `docs/guides/${name}`)]
const keys = configKeys()

interface KeyRow {
  file: string
  line: number
  key: string | null
  written: string
}

function keyRows(file: string): KeyRow[] {
  return tableRows(readFileSync(file, 'utf8'), ['key', 'default', 'meaning']).map((row) => ({
    file,
    line: row.line,
    key: codeSpan(row.cells[0] ?? ''),
    written: row.cells[1] ?? '',
  }))
}

/** The text of a cell that is exactly one code span, else null. */
function codeSpan(cell: string): string | null {
  return /^`([^`]+)`$/.exec(cell)?.[1] ?? null
}

const referenceRows = keyRows(referenceFile)
const everyRow = [...referenceRows, ...otherPages.flatMap(keyRows)]

function where(row: { file: string; line: number }): string {
  return `${row.file}:${row.line}`
}

describe('the configuration reference (docs/configuration.md)', () => {
  it('finds the keys in the schema, nested mappings and lists of mappings included', () => {
    expect(keys.has('store.tls.ca_file')).toBe(true)
    expect(keys.has('rules')).toBe(true)
    expect(keys.has('rules[].prefix')).toBe(true)
    expect(keys.has('factors.yubico_otp.client_id')).toBe(true)
    expect(keys.has('store')).toBe(false)
  })

  it('names every row by one key in backticks', () => {
    expect(everyRow.filter((row) => row.key === null).map(where)).toEqual([])
  })

  it('documents every key the schema accepts', () => {
    const documented = new Set(referenceRows.map((row) => row.key))
    expect([...keys.keys()].filter((key) => !documented.has(key))).toEqual([])
  })

  it('lists each key once, and no key the schema does not accept', () => {
    const count = new Map<string | null, number>()
    for (const row of referenceRows) count.set(row.key, (count.get(row.key) ?? 0) + 1)
    expect([...count].filter(([, times]) => times > 1).map(([key]) => key)).toEqual([])
    const stale = everyRow.filter((row) => row.key !== null && !keys.has(row.key))
    expect(stale.map((row) => `${where(row)}: ${row.key}`)).toEqual([])
  })

  it('states each default as the schema fills it in: a value, (required), or anything else for none', () => {
    const wrong = everyRow.flatMap((row) => {
      const fields = row.key === null ? undefined : keys.get(row.key)
      if (fields === undefined) return []
      const actual = defaultOf(fields)
      const said = `${where(row)}: ${row.key} says ${row.written}`
      if (actual === 'variants disagree') return [`${said}, but its variants have different defaults`]
      const value = codeSpan(row.written)
      if (row.written === '(required)')
        return actual.kind === 'required' ? [] : [`${said}, but may be left out`]
      if (actual.kind === 'required') return [`${said}, but it is required`]
      if (value === null) {
        return actual.kind === 'none' ? [] : [`${said}, but defaults to ${JSON.stringify(actual.value)}`]
      }
      if (actual.kind === 'none') return [`${said}, but has no default`]
      return writtenAs(fields, value, actual.value)
        ? []
        : [`${said}, but defaults to ${JSON.stringify(actual.value)}`]
    })
    expect(wrong).toEqual([])
  })
})

describe('secrets in the configuration reference', () => {
  const rows: TableRow[] = tableRows(readFileSync(referenceFile, 'utf8'), [
    'secret key',
    'environment variable',
    'file form',
  ])
  const listed = rows.map((row) => ({
    line: row.line,
    key: codeSpan(row.cells[0] ?? '') ?? '',
    env: codeSpan(row.cells[1] ?? '') ?? '',
    file: codeSpan(row.cells[2] ?? '') ?? '',
  }))

  it('lists exactly the keys tapgate also reads from `<key>_file`, under that name', () => {
    const secrets = [...keys.keys()].filter((key) => !key.includes('[]') && readsSecretFile(key))
    expect(secrets).toContain('encryption_key')
    expect(listed.map((row) => row.key).sort()).toEqual(secrets.sort())
    expect(listed.filter((row) => row.file !== `${row.key}_file`)).toEqual([])
  })

  it('names the environment variable that takes over from each secret file', () => {
    const ignored = listed.filter((row) => readsSecretFile(row.key, { [row.env]: 'from-the-environment' }))
    expect(ignored.map((row) => `${referenceFile}:${row.line}: ${row.env}`)).toEqual([])
  })
})

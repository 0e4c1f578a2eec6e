/** How CLI commands write their answers: plain tables for people, JSON for scripts. */

export function print(text: string): void {
  process.stdout.write(`${text}\n`)
}

/** JSON for scripts; C1 controls, which JSON leaves raw, escaped too (a terminal may act on them). */
export function printJson(value: unknown): void {
  const text = JSON.stringify(value, null, 2)
  print(text.replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
}

/**
 * Usernames, user agents and reasons come from outside: control characters are shown escaped
 * (`\x1b`), so a crafted value cannot move the cursor, rewrite earlier lines or break the table, and
 * the operator still sees exactly what was sent.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\\]/g, (c) =>
    c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  )
}

export const iso = (ms: number) => new Date(ms).toISOString()

/** "2026-11-23 09:44:12 UTC". */
export const utc = (ms: number) => `${iso(ms).slice(0, 19).replace('T', ' ')} UTC`

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function table(header: string[] | null, rows: string[][]): string {
  const all = (header === null ? rows : [header, ...rows]).map((row) => row.map(printable))
  const widths = all[0]?.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length))) ?? []
  return all
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

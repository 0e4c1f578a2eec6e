/** A table row of a Markdown file: its cells, trimmed, and the 1-based line it is on. */
export interface TableRow {
  cells: string[]
  line: number
}

/** The body rows of every table whose header row is `header` (compared case-insensitively). */
export function tableRows(markdown: string, header: readonly string[]): TableRow[] {
  const lines = markdown.split('\n')
  const rows: TableRow[] = []
  const wanted = header.map((cell) => cell.toLowerCase())
  for (let at = 0; at < lines.length; at++) {
    const cells = cellsOf(lines[at] as string)
    if (cells?.map((cell) => cell.toLowerCase()).join('|') !== wanted.join('|')) continue
    // Past the header and the |---| line, up to the first line that is not a row.
    for (at += 2; at < lines.length && cellsOf(lines[at] as string) !== null; at++) {
      rows.push({ cells: cellsOf(lines[at] as string) as string[], line: at + 1 })
    }
  }
  return rows
}

/** A row's cells; `\|` is a pipe inside a cell. Null for a line that is not a table row. */
function cellsOf(line: string): string[] | null {
  const trimmed = line.trim()
  if (!trimmed.startsWith('|') || !trimmed.endsWith('|')) return null
  return trimmed
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replaceAll('\\|', '|'))
}

/** A fenced code block: its text and the 1-based line of its opening fence. */
export interface CodeBlock {
  text: string
  line: number
}

/** The fenced blocks of one language (```yaml … ```), without the indentation of their fence. */
export function codeBlocks(markdown: string, language: string): CodeBlock[] {
  const lines = markdown.split('\n')
  const blocks: CodeBlock[] = []
  for (let at = 0; at < lines.length; at++) {
    const fence = lines[at] as string
    if (fence.trim() !== `\`\`\`${language}`) continue
    const indent = fence.length - fence.trimStart().length
    const start = at
    const body: string[] = []
    for (at++; at < lines.length && (lines[at] as string).trim() !== '```'; at++) {
      body.push((lines[at] as string).slice(indent))
    }
    blocks.push({ text: body.join('\n'), line: start + 1 })
  }
  return blocks
}

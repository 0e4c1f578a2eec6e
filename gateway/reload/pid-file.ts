import { readFileSync, rmSync, writeFileSync } from 'node:fs'

/** Writes this process's id for `tapgate reload`; the returned function removes it, if still ours. */
export function writePidFile(file: string): () => void {
  const text = `${process.pid}\n`
  writeFileSync(file, text, { mode: 0o644 })
  return () => {
    // Another gateway started with the same pid_file since: its file is not ours to remove.
    if (readPid(file) === process.pid) rmSync(file, { force: true })
  }
}

/** The process id in a pid file; null when there is no such file or it holds no process id. */
export function readPid(file: string): number | null {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return null
  }
  return /^\d+\n?$/.test(text) && Number(text) > 1 ? Number(text) : null
}

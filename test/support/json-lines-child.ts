import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { stopProcess } from './stop-process.ts'

/**
 * A long-lived child that answers each line on its stdin with one line on its stdout, in order.
 * `ask` sends a whole batch at once, so thousands of requests cost one process and no round trips.
 */
export interface JsonLinesChild {
  ask(lines: readonly string[]): Promise<string[]>
  stop(): Promise<void>
}

export function startJsonLinesChild(command: string, args: readonly string[]): JsonLinesChild {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk
  })
  const waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = []
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(line))
  const exited = once(child, 'exit')
  void exited.then(() => {
    for (const { reject } of waiting.splice(0)) reject(new Error(`${command} exited: ${stderr}`))
  })
  return {
    ask(lines) {
      if (child.exitCode !== null) return Promise.reject(new Error(`${command} exited: ${stderr}`))
      const answers = lines.map(
        () => new Promise<string>((resolve, reject) => waiting.push({ resolve, reject })),
      )
      child.stdin.write(lines.map((line) => `${line}\n`).join(''))
      return Promise.all(answers)
    },
    async stop() {
      child.stdin.end()
      await stopProcess(child, 2_000)
    },
  }
}

import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)
const cli = ['--import', 'tsx', 'gateway/cli/main.ts']

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** `tapgate ARGS…` as a real child process, as an operator runs it; never throws on a non-zero exit. */
export async function tapgate(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...cli, ...args], {
      env: { ...process.env, ...env },
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

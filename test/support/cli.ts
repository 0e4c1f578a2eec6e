import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { main } from '../../gateway/cli/commands.ts'
import { testEncryptionKey } from './gateway.ts'
import { compiledGateway } from './gateway-process.ts'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * `tapgate ARGS…` run in this process (a child process would start tsx each time: seconds on a
 * busy machine), with what it writes to stdout and stderr captured and `env` set for the run. One
 * at a time: the capture replaces the process's own streams while it runs.
 */
export async function tapgate(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const output = { stdout: '', stderr: '' }
  const streams = { stdout: process.stdout, stderr: process.stderr } as const
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write }
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]))
  for (const name of ['stdout', 'stderr'] as const) {
    streams[name].write = ((chunk: string | Uint8Array) => {
      output[name] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()
      return true
    }) as typeof process.stdout.write
  }
  Object.assign(process.env, env)
  try {
    const code = await main(args)
    return { code, ...output }
  } finally {
    streams.stdout.write = writes.stdout
    streams.stderr.write = writes.stderr
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

/** Runs `work` with `dir` as the working directory: where a command looks for ./tapgate.yaml. */
export async function inDirectory<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const before = process.cwd()
  process.chdir(dir)
  try {
    return await work()
  } finally {
    process.chdir(before)
  }
}

/**
 * `tapgate ARGS…` as a real child process of the compiled gateway, as an operator runs it, with
 * `input` piped to its stdin.
 */
export function tapgateWithInput(args: string[], input: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [compiledGateway, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }))
    child.stdin.end(input)
  })
}

/** Writes a config for CLI commands on the embedded store at `storePath` (JSON is YAML too). */
export function writeCliConfig(file: string, storePath: string, extra: Record<string, unknown> = {}): string {
  const document = {
    public_url: 'http://127.0.0.1:1',
    upstream: { url: 'http://127.0.0.1:1' },
    first_factor: { panel_cookies: ['session'] },
    encryption_key: testEncryptionKey,
    store: { embedded_path: storePath },
    log_level: 'info',
    ...extra,
  }
  writeFileSync(file, JSON.stringify(document))
  return file
}

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { waitFor } from './wait-for.ts'

export interface ForegroundServer {
  url: string
  port: number
  stop(): Promise<void>
}

/**
 * A real server (nginx, Caddy) run in the foreground as a child; resolves once `port` on loopback
 * answers HTTP. `stop` sends `stopSignal` (the server's graceful stop), waits for the exit, then runs
 * `cleanUp` (its temp dir). A server that exits or never answers rejects with what it printed.
 */
export async function startForegroundServer(options: {
  name: string
  command: string
  args: readonly string[]
  port: number
  env?: NodeJS.ProcessEnv
  stopSignal: NodeJS.Signals
  cleanUp: () => Promise<void>
}): Promise<ForegroundServer> {
  const { name, port } = options
  let output = ''
  const child = spawn(options.command, options.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  })
  const collect = (chunk: Buffer) => {
    output += chunk
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const exited = once(child, 'exit')
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited: ${output}`)
      await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' })
    })
  } catch (error) {
    child.kill('SIGKILL')
    await options.cleanUp()
    throw new Error(`${name} did not start: ${output || (error as Error).message}`)
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(options.stopSignal)
        await exited
      }
      await options.cleanUp()
    },
  }
}

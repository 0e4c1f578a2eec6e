// Parent side of the child processes: start one, wait for its first message, stop it.
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { hasExited, stopProcess } from '../support/stop-process.ts'
import { pinToCpus } from './cpu-affinity.ts'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
/** How long a child has after SIGTERM to close cleanly (and write its CPU profile) before SIGKILL. */
export const STOP_GRACE_MS = 5_000

export interface Child<M> {
  pid: number
  /** The first message the child sent: it is ready. */
  message: M
  /** Sends `query` and resolves with the child's next message; one question at a time. */
  ask<R>(query: object, deadlineMs: number): Promise<R>
  stop(): Promise<void>
}

// Whatever is still running when run.ts exits (an error, Ctrl-C) is killed, never left behind.
const running = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** Kills `child` if run.ts exits while it still runs. */
export function killWithBench(child: ChildProcess): void {
  running.add(child)
  child.once('exit', () => running.delete(child))
}

export interface ChildOptions {
  /** The child's JSON argument (protocol.ts childInput). */
  input?: unknown
  deadlineMs: number
  /** Moves the child to these CPUs (a taskset list) once it has reported. */
  cpus?: string | undefined
}

/** Forks `script` (relative to this folder) under tsx and resolves once it has sent its first message. */
export async function startChild<M>(
  script: string,
  { input, deadlineMs, cpus }: ChildOptions,
): Promise<Child<M>> {
  const args = input === undefined ? [] : [JSON.stringify(input)]
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), args, {
    // `--import tsx` is resolved from the working directory: the repository's node_modules.
    cwd: repoRoot,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  killWithBench(child)
  try {
    const message = await nextMessage<M>(child, script, deadlineMs)
    const pid = child.pid as number
    // After the first message all of node's start-up threads exist; later ones inherit the mask.
    if (cpus !== undefined) pinToCpus(pid, cpus)
    return {
      pid,
      message,
      ask: (query, deadlineMs) => {
        child.send(query)
        return nextMessage(child, script, deadlineMs)
      },
      stop: () => stopProcess(child, STOP_GRACE_MS),
    }
  } catch (error) {
    await stopProcess(child, STOP_GRACE_MS)
    throw error
  }
}

/** The child's next message; a child that dies or stays silent fails the run instead of hanging it. */
function nextMessage<M>(child: ChildProcess, name: string, deadlineMs: number): Promise<M> {
  return new Promise((resolve, reject) => {
    if (hasExited(child)) reject(new Error(`${name} is not running`))
    const timer = setTimeout(
      () => reject(new Error(`${name} sent nothing within ${deadlineMs} ms`)),
      deadlineMs,
    )
    const onMessage = (message: unknown) => {
      clearTimeout(timer)
      child.off('exit', onExit)
      resolve(message as M)
    }
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer)
      child.off('message', onMessage)
      reject(new Error(`${name} exited (${signal ?? `code ${code}`}) before answering`))
    }
    child.once('message', onMessage)
    child.once('exit', onExit)
  })
}

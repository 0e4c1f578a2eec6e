import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * What run.ts and its child processes tell each other. Each child gets one JSON argument and
 * answers over the IPC channel that fork() opens.
 */

/** The upstream's answer to every request; run.ts compares bodies against it byte for byte. */
export const upstreamBody = 'tapgate-bench '.repeat(74).slice(0, 1024)

/** Sent by a server child once it is listening. */
export interface Ready {
  url: string
  /** Only from the tapgate child: a two_factor session minted on the gateway's own store. */
  sessionToken?: string
}

/** run.ts asks a server child for the CPU time it has used so far... */
export interface CpuQuery {
  type: 'cpu'
}

/** ...and the child answers: user plus system time of all its threads, in microseconds. */
export interface CpuUsed {
  cpuMicros: number
}

export interface LoadInput {
  url: string
  headers: Record<string, string>
  connections: number
  durationSeconds: number
}

/** Sent by the load child once its run has ended. */
export interface LoadResult {
  requests: number
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  non2xx: number
  errors: number
  timeouts: number
}

/** The JSON argument run.ts passed to this child. */
export function childInput<T>(): T {
  const argument = process.argv[2]
  if (argument === undefined) throw new Error('this script is started by test/bench/run.ts')
  return JSON.parse(argument) as T
}

/** Resolves once the message is handed to the IPC channel, so a child may exit right after. */
export function report(message: Ready | CpuUsed | LoadResult): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) throw new Error('no IPC channel: this script is started by test/bench/run.ts')
    process.send(message, undefined, {}, (error: Error | null) => (error ? reject(error) : resolve()))
  })
}

/** For server children: announce `ready`, answer CPU queries, and close when asked. */
export async function serveRun(ready: Ready, close: () => Promise<void>): Promise<void> {
  process.on('message', (message: CpuQuery) => {
    if (message.type !== 'cpu') return
    const { user, system } = process.cpuUsage()
    void report({ cpuMicros: user + system })
  })
  exitWhenAsked(close)
  await report(ready)
}

/**
 * For server children on node:http: listen on a loopback port, announce its URL, and when asked
 * close the server, its kept-alive connections, and then whatever `closeMore` releases.
 */
export async function serveHttp(server: Server, closeMore: () => void = () => {}): Promise<void> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await serveRun({ url: `http://127.0.0.1:${port}` }, async () => {
    server.closeAllConnections()
    server.close()
    closeMore()
  })
}

const CLOSE_GRACE_MS = 2_000

/**
 * Closes and exits on SIGTERM/SIGINT, or when run.ts goes away (the IPC channel closes), so no
 * child outlives a run. Leaving through process.exit() is also what makes --cpu-prof write its file.
 */
export function exitWhenAsked(close: () => Promise<void>): void {
  let closing = false
  const stop = () => {
    if (closing) return
    closing = true
    // A keep-alive socket that lingers must not keep the process (and the profile) hostage.
    setTimeout(() => process.exit(0), CLOSE_GRACE_MS).unref()
    close().finally(() => process.exit(0))
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  process.on('disconnect', stop)
}

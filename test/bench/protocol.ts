import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * What run.ts and its child processes tell each other: a child may get one JSON argument, and
 * answers over the IPC channel that fork() opens.
 */

/** The upstream's answer to every request; run.ts compares bodies against it byte for byte. */
export const upstreamBody = 'tapgate-bench '.repeat(74).slice(0, 1024)

/**
 * The one path where the upstream answers with the Cookie header it got instead: run.ts checks there
 * that tapgate really adds the panel's session cookie from the session's sealed jar.
 */
export const cookieEchoPath = '/echo-cookie'

/** Sent by a server child once it is listening. */
export interface Listening {
  url: string
}

/** Sent by the load child once it takes runs. */
export interface LoadReady {
  ready: true
}

/** What run.ts asks the load child to run; it answers with a LoadResult. */
export interface LoadInput {
  url: string
  headers: Record<string, string>
  connections: number
  durationSeconds: number
}

export interface LoadResult {
  requests: number
  /** How long the run took. */
  seconds: number
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
export function report(message: Listening | LoadReady | LoadResult): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) throw new Error('no IPC channel: this script is started by test/bench/run.ts')
    process.send(message, undefined, {}, (error: Error | null) => (error ? reject(error) : resolve()))
  })
}

/**
 * For server children on node:http: listen on a loopback port, announce its URL, and when asked
 * close the server, its kept-alive connections, and then whatever `closeMore` releases.
 */
export async function serveHttp(server: Server, closeMore: () => void = () => {}): Promise<void> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  exitWhenAsked(async () => {
    server.closeAllConnections()
    server.close()
    closeMore()
  })
  await report({ url: `http://127.0.0.1:${port}` })
}

const CLOSE_GRACE_MS = 2_000

/**
 * Closes and exits on SIGTERM/SIGINT, or when run.ts goes away (the IPC channel closes), so no
 * child outlives a run.
 */
export function exitWhenAsked(close: () => Promise<void>): void {
  let closing = false
  const stop = () => {
    if (closing) return
    closing = true
    // A keep-alive socket that lingers must not keep the process hostage.
    setTimeout(() => process.exit(0), CLOSE_GRACE_MS).unref()
    close().finally(() => process.exit(0))
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  process.on('disconnect', stop)
}

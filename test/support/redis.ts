import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { connect as connectTls } from 'node:tls'
import { freePort } from './free-port.ts'
import { hasExited, stopProcess } from './stop-process.ts'

export type RedisServer = {
  url: string
  port: number
  /** Kills the server and resolves once the process has exited (the port is closed). */
  stop(): Promise<void>
  /** Starts a fresh, empty server on the same port, so connected clients can reconnect. */
  restart(): Promise<void>
  /** Kills the server but keeps its dir, so restart() brings a cluster node back with its identity. */
  kill(): Promise<void>
}

export type RedisServerOptions = {
  /** More redis-server arguments, given the server's port and its own temp dir (replicaof, cluster …). */
  args?: (port: number, dir: string) => string[]
  /** Runs as a Sentinel with this config text (Sentinel rewrites its config file, so it gets one). */
  sentinel?: string
  /**
   * Speaks TLS only, with these PEM files. Clients must show a certificate the CA signed (redis-server's
   * default), so the readiness probe shows the server's own.
   */
  tls?: { caFile: string; certFile: string; keyFile: string }
}

const START_DEADLINE_MS = 10_000
const STOP_GRACE_MS = 2_000
const PORT_ATTEMPTS = 5

/** A throwaway redis-server on a free loopback port, with no persistence, in its own temp dir. */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tapgate-redis-'))
  let port = 0
  let child: ChildProcess | undefined
  // The free port can be taken between probing and binding; a fresh port is cheap.
  for (let attempt = 1; !child; attempt++) {
    port = await freePort()
    try {
      child = await launch(port, dir, options)
    } catch (error) {
      if (attempt === PORT_ATTEMPTS) {
        await rm(dir, { recursive: true, force: true })
        throw error
      }
    }
  }
  let current: ChildProcess = child
  return {
    url: `${options.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    port,
    async stop() {
      await stopProcess(current, STOP_GRACE_MS)
      await rm(dir, { recursive: true, force: true })
    },
    async restart() {
      await stopProcess(current, STOP_GRACE_MS)
      await mkdir(dir, { recursive: true })
      current = await launch(port, dir, options)
    },
    kill: () => stopProcess(current, STOP_GRACE_MS),
  }
}

async function launch(port: number, dir: string, options: RedisServerOptions): Promise<ChildProcess> {
  const tls = options.tls
  const listen = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-ca-cert-file', tls.caFile]
    : ['--port', String(port)]
  if (tls) listen.push('--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile)
  const args = [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]
  if (options.sentinel !== undefined) {
    const file = join(dir, 'sentinel.conf')
    await writeFile(file, options.sentinel)
    args.unshift(file, '--sentinel')
  }
  args.push(...(options.args?.(port, dir) ?? []))
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  let spawnError: Error | undefined
  child.once('error', (error) => {
    spawnError = error
  })
  // A test worker that dies must not leave servers behind.
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  child.once('exit', () => process.off('exit', killOnExit))

  const deadline = Date.now() + START_DEADLINE_MS
  while (!(await answersPing(port, child.pid, options.tls))) {
    if (spawnError) throw spawnError
    if (hasExited(child)) {
      throw new Error(`redis-server on port ${port} exited during start:\n${output}`)
    }
    if (Date.now() > deadline) {
      await stopProcess(child, STOP_GRACE_MS)
      throw new Error(
        `redis-server on port ${port} did not answer PING within ${START_DEADLINE_MS} ms:\n${output}`,
      )
    }
    await sleep(20)
  }
  return child
}

/** True once the server answers PING, and it is this child (not another server on the port). */
function answersPing(
  port: number,
  pid: number | undefined,
  tls: RedisServerOptions['tls'],
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls
      ? connectTls({
          host: '127.0.0.1',
          port,
          ca: readFileSync(tls.caFile),
          cert: readFileSync(tls.certFile),
          key: readFileSync(tls.keyFile),
        })
      : connect({ host: '127.0.0.1', port })
    let reply = ''
    const finish = (answered: boolean) => {
      socket.destroy()
      resolve(answered)
    }
    socket.setTimeout(1_000, () => finish(false))
    socket.once('error', () => finish(false))
    socket.once(tls ? 'secureConnect' : 'connect', () => socket.write('PING\r\nINFO server\r\n'))
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString()
      // A server still loading answers -LOADING; only +PONG means ready.
      if (reply.startsWith('-')) return finish(false)
      const owner = /\r\nprocess_id:(\d+)\r\n/.exec(reply)
      if (owner) finish(reply.startsWith('+PONG\r\n') && Number(owner[1]) === pid)
    })
  })
}

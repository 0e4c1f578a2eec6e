// tapgate as production runs it: the compiled bundle, `node dist/gateway/tapgate.js serve --config
// FILE`, with the Redis store and info logging, in a process of its own (and its workers', if any).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { stringify } from 'yaml'
import type { Config } from '../../gateway/config/schema.ts'
import { loadConfigFile } from '../../gateway/load-config.ts'
import { freePort } from '../support/free-port.ts'
import { stopProcess } from '../support/stop-process.ts'
import { killWithBench, STOP_GRACE_MS } from './children.ts'

/** The panel's session cookie, which tapgate holds in each session's jar. */
export const panelCookieName = 'PANELSESSID'

const START_DEADLINE_MS = 30_000
/** pino's level for warn: what the gateway says at that level or above is shown, the rest dropped. */
const WARN = 40

export interface TapgateProcess {
  url: string
  /** The process started, then its workers (server.workers), which serve the requests when there are any. */
  pids: number[]
  /** The config as the gateway read it, for minting a session it accepts. */
  config: Config
  stop(): Promise<void>
}

export interface TapgateOptions {
  bundle: string
  upstreamUrl: string
  redisUrl: string
  /** server.workers: above 1, the process started is a primary forking that many (node:cluster). */
  workers: number
  /** Flags for node itself, e.g. --cpu-prof (the workers get them too). */
  nodeFlags: string[]
}

/**
 * Writes a config to a temp dir, starts the gateway on it and resolves once it logs that it listens
 * (a primary: once every worker does).
 */
export async function startTapgate({
  bundle,
  upstreamUrl,
  redisUrl,
  workers,
  nodeFlags,
}: TapgateOptions): Promise<TapgateProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'tapgate-bench-'))
  // public_url must name the port, so it is chosen before listening.
  const port = await freePort()
  const file = join(dir, 'tapgate.yaml')
  await writeFile(
    file,
    stringify({
      listen: `127.0.0.1:${port}`,
      server: { workers },
      public_url: `http://127.0.0.1:${port}`,
      upstream: { url: upstreamUrl },
      first_factor: { panel_cookies: [panelCookieName] },
      // Not on the measured path; set as production should, so the start-up warns about nothing.
      enrollment: { first_enrollment: 'invite' },
      // The bench's Redis is new each run: so is the identity file, in the temp dir.
      store: { redis_url: redisUrl, key_prefix: 'tapgate-bench:', identity_file: 'store-identity' },
      encryption_key: randomBytes(32).toString('base64url'),
      rules: [{ prefix: '/api/', policy: 'bypass' }],
      // Every autocannon connection comes from 127.0.0.1: one client, as far as the cap can tell. Just
      // below upstream.pool.max_sockets (256), so that it starts without a warning.
      limits: { per_ip_concurrency: 255 },
      log_level: 'info',
      // Metrics on, as in production, on a port of their own.
      metrics: { listen: '127.0.0.1:0' },
    }),
  )
  // TAPGATE_* variables of whoever runs the bench must not change the setup: none reach the config
  // read here or the gateway.
  const loaded = loadConfigFile(file, {})
  if (!loaded.ok) throw new Error(`bench config invalid:\n${loaded.problems.join('\n')}`)
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TAPGATE_')))
  const child = spawn(process.execPath, [...nodeFlags, bundle, 'serve', '--config', file], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  killWithBench(child)
  const stop = async () => {
    await stopProcess(child, STOP_GRACE_MS)
    await rm(dir, { recursive: true, force: true })
  }

  const listening = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`tapgate did not log that it listens within ${START_DEADLINE_MS} ms`)),
      START_DEADLINE_MS,
    )
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = logEntry(line)
      // Not event 'started': each worker logs that too, as 'worker listening', before the primary.
      if (entry?.msg === 'tapgate listening') {
        clearTimeout(timer)
        resolve()
      } else if ((entry?.level ?? WARN) >= WARN) {
        process.stderr.write(`tapgate: ${line}\n`)
      }
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`tapgate exited (${signal ?? `code ${code}`}) before listening`))
    })
  })
  try {
    await listening
  } catch (error) {
    await stop()
    throw error
  }
  const pid = child.pid as number
  // A single process forks nothing; a primary, its workers, whose CPU time the bench must count too.
  const workerPids = childrenOf(pid)
  const expected = workers > 1 ? workers : 0
  if (workerPids.length !== expected) {
    await stop()
    throw new Error(`tapgate (server.workers: ${workers}) has ${workerPids.length} children, not ${expected}`)
  }
  return { url: `http://127.0.0.1:${port}`, pids: [pid, ...workerPids], config: loaded.config, stop }
}

/** The processes `pid` has forked (from its main thread, as node:cluster does) and not yet reaped. */
function childrenOf(pid: number): number[] {
  const list = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim()
  return list === '' ? [] : list.split(' ').map(Number)
}

/** A pino JSON line, or null for anything else (which is always shown). */
function logEntry(line: string): { msg?: string; level?: number } | null {
  try {
    return JSON.parse(line)
  } catch {
    return null
  }
}

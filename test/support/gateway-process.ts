import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { loadConfigFile } from '../../gateway/load-config.ts'
import { hasExited } from './stop-process.ts'

export interface GatewayProcess {
  url: string
  pid: number
  /** The config file it serves (in its own temp dir): a test may rewrite it and ask for a reload. */
  configFile: string
  /** Current resident set size of the gateway process (VmRSS), in KiB. */
  rssKb(): number
  /** Peak resident set size (VmHWM) since start or since the last resetPeakRss(), in KiB. */
  peakRssKb(): number
  /**
   * Starts a new peak-RSS window at the current RSS (Linux `clear_refs` 5). False when the kernel
   * refuses; the peak then still counts from process start, which only overstates growth.
   */
  resetPeakRss(): boolean
  /** Everything the process wrote to stdout and stderr so far, interleaved as it arrived. */
  output(): string
  /** Resolves once the output matches, rejects at the deadline or if the process exits first. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>
  /** Resolves with how the process ended, once it has ended by itself or by a signal the test sent. */
  exited(): Promise<ProcessEnd>
  /** SIGTERM (or `signal`), SIGKILL after a grace period; resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<ProcessEnd>
}

export interface ProcessEnd {
  code: number | null
  signal: NodeJS.Signals | null
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
/** What `npm run build` writes, and the test setup runs first (global-setup.ts). */
export const compiledGateway = join(repoRoot, 'dist/gateway/tapgate.js')
const START_DEADLINE_MS = 15_000
const STOP_GRACE_MS = 5_000

/**
 * `tapgate serve --config FILE` as a real child process running the compiled gateway, as production
 * does, so its memory, signals and exit code are its own. The config is written to a fresh temp dir, so relative paths in it (`store.embedded_path`) land
 * there too; stop() removes the dir. Resolves once the gateway answers HTTP on its `listen` address.
 */
export async function startGatewayProcess(configYaml: string): Promise<GatewayProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'tapgate-process-'))
  const file = join(dir, 'tapgate.yaml')
  // Processes running side by side each take a free metrics port unless the test names one.
  await writeFile(
    file,
    /^metrics:/m.test(configYaml) ? configYaml : `${configYaml}\nmetrics: {listen: '127.0.0.1:0'}\n`,
  )
  const loaded = loadConfigFile(file, {})
  if (!loaded.ok) {
    await rm(dir, { recursive: true, force: true })
    throw new Error(`gateway process config invalid:\n${loaded.problems.join('\n')}`)
  }
  const { listen, prefix } = loaded.config
  // A wildcard address is reached over loopback.
  const host = listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host === '::' ? '::1' : listen.host
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${listen.port}`

  // The config file is the whole configuration: no TAPGATE_* variable of the test run leaks in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TAPGATE_')))
  const child = spawn(process.execPath, [compiledGateway, 'serve', '--config', file], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let text = ''
  const listeners = new Set<() => void>()
  const collect = (chunk: Buffer) => {
    text += chunk.toString()
    for (const listener of listeners) listener()
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  let spawnError: Error | undefined
  child.once('error', (error) => {
    spawnError = error
  })
  // 'close' comes after 'exit', once stdout and stderr are drained: output() is then complete.
  const closed = once(child, 'close')
  // A test worker that dies must not leave gateways behind.
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  child.once('exit', () => process.off('exit', killOnExit))
  let ended = false
  child.once('close', () => {
    ended = true
    for (const listener of listeners) listener()
  })

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!spawnError) {
      let timer: NodeJS.Timeout | undefined
      if (!hasExited(child)) {
        child.kill(signal)
        timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
      }
      await closed
      clearTimeout(timer)
    }
    await rm(dir, { recursive: true, force: true })
    return { code: child.exitCode, signal: child.signalCode }
  }

  const deadline = Date.now() + START_DEADLINE_MS
  while (!(await answersHttp(`${url}${prefix}/`))) {
    const failed =
      spawnError ??
      (hasExited(child) ? new Error(`exited (${child.exitCode ?? child.signalCode})`) : undefined)
    if (failed || Date.now() > deadline) {
      await stop('SIGKILL')
      const why = failed?.message ?? `did not answer on ${url} within ${START_DEADLINE_MS} ms`
      throw new Error(`gateway process ${why}; its output:\n${text}`)
    }
    await sleep(25)
  }

  const pid = child.pid as number
  return {
    url,
    pid,
    configFile: file,
    rssKb: () => statusKb(pid, 'VmRSS'),
    peakRssKb: () => statusKb(pid, 'VmHWM'),
    resetPeakRss() {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5')
        return true
      } catch {
        return false
      }
    },
    output: () => text,
    waitForOutput(pattern, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(text)) finish()
          else if (ended) finish(new Error(`process exited before printing ${pattern}:\n${text}`))
        }
        const timer = setTimeout(
          () => finish(new Error(`no output matching ${pattern} within ${timeoutMs} ms:\n${text}`)),
          timeoutMs,
        )
        const finish = (error?: Error) => {
          clearTimeout(timer)
          listeners.delete(check)
          if (error) reject(error)
          else resolve()
        }
        listeners.add(check)
        check()
      })
    },
    exited: async () => {
      await closed
      return { code: child.exitCode, signal: child.signalCode }
    },
    stop,
  }
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)
  if (!match?.[1]) throw new Error(`no ${field} in /proc/${pid}/status`)
  return Number(match[1])
}

/** True once anything answers HTTP at the URL (tapgate's own 404 will do: the panel is not asked). */
function answersHttp(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false, timeout: 1_000 }, (response) => {
      response.resume()
      resolve(true)
    })
    request.once('timeout', () => request.destroy())
    request.once('error', () => resolve(false))
  })
}

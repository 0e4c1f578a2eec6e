import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { readPid } from '../reload/pid-file.ts'
import { loadCommandConfig } from './config-path.ts'

export const reloadUsage = `Usage: tapgate reload [--config FILE] [--pid PID]
  Checks the config as \`tapgate serve\` will read it, then asks the running gateway to reload it
  (SIGHUP): the process named by the config's pid_file, or PID. Nothing is sent when the config has
  problems (exit 2). The gateway's log then says config_reloaded, or reload_failed and keeps the config
  it runs. Rules, users file, factors and pages change at once; what needs a restart (listen, store,
  metrics, encryption_key, upstream's url, tls, timeout and pool) is named in the log.
  Under systemd: systemctl reload tapgate.
`

/** `tapgate reload`: the config checked here first, so a typo is reported where it was typed. */
export async function reloadCommand(args: string[]): Promise<number> {
  let parsed: { values: { config?: string; pid?: string }; positionals: string[] }
  try {
    parsed = parseArgs({
      args,
      options: { config: { type: 'string' }, pid: { type: 'string' } },
      allowPositionals: true,
    })
  } catch (error) {
    process.stderr.write(`tapgate: ${(error as Error).message}\n${reloadUsage}`)
    return 2
  }
  const { values, positionals } = parsed
  const named = values.pid === undefined ? null : Number(values.pid)
  if (positionals.length > 0 || (named !== null && !(Number.isSafeInteger(named) && named > 1))) {
    process.stderr.write(reloadUsage)
    return 2
  }
  const loaded = loadCommandConfig(values.config)
  if (loaded === null) return 2
  const pidFile = loaded.config.pid_file
  if (named === null && pidFile === undefined) {
    process.stderr.write(
      `tapgate: ${loaded.file} has no pid_file: set one, pass --pid PID, or send SIGHUP to the gateway\n`,
    )
    return 2
  }
  const pid = named ?? readPid(pidFile as string)
  if (pid === null) {
    process.stderr.write(`tapgate: no gateway to reload: ${pidFile} holds no process id (is it running?)\n`)
    return 1
  }
  const refusal = signalRefusal(pid)
  if (refusal !== null) {
    process.stderr.write(`tapgate: ${refusal}\n`)
    return 1
  }
  process.stdout.write(
    `asked the gateway (process ${pid}) to reload ${loaded.file}; its log says config_reloaded or reload_failed\n`,
  )
  return 0
}

/** Sends SIGHUP unless the process is gone or is not a `tapgate serve` (a stale pid file); why not, else null. */
function signalRefusal(pid: number): string | null {
  if (!isServing(pid)) return `process ${pid} is not tapgate serve (a stale pid file?): nothing sent`
  try {
    process.kill(pid, 'SIGHUP')
    return null
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException
    if (code === 'ESRCH') return `no process ${pid} (the gateway has stopped?)`
    if (code === 'EPERM') return `not allowed to signal process ${pid}: run as the gateway's user or root`
    throw error
  }
}

/**
 * Whether the process runs `serve`, judged by its command line where /proc shows it (a SIGHUP would
 * end most other programs); true where it cannot be read (another user's, under hidepid).
 */
function isServing(pid: number): boolean {
  let commandLine: string
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT'
  }
  return commandLine.split('\0').includes('serve')
}

import type { Logger } from 'pino'
import { loadConfigFile } from '../load-config.ts'
import type { ReloadOutcome, RunningGateway } from '../server.ts'

/**
 * SIGHUP (`tapgate reload`, `systemctl reload`): reads and checks the config file again and applies
 * it, all told in the log. A config with problems changes nothing: the gateway keeps the one it has.
 */
export async function reloadFromFile(file: string, gateway: RunningGateway, log: Logger): Promise<void> {
  const loaded = loadConfigFile(file)
  const outcome: ReloadOutcome = loaded.ok
    ? await gateway.reload(loaded.config)
    : { applied: false, problems: loaded.problems }
  if (!outcome.applied) {
    const { problems } = outcome
    log.error(
      { event: 'reload_failed', file, problems },
      `${file} was not applied, the running config stays: ${problems.join('; ')}`,
    )
    return
  }
  if (outcome.restartNeeded.length > 0) {
    const keys = outcome.restartNeeded
    log.warn(
      { event: 'reload_restart_needed', keys },
      `${keys.join(', ')} changed: restart tapgate to apply them; the running values stay until then`,
    )
  }
  log.info({ event: 'config_reloaded', file }, 'config reloaded')
}

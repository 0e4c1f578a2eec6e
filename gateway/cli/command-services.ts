import { existsSync } from 'node:fs'
import { userInfo } from 'node:os'
import { systemClock } from '../deps.ts'
import { createLogger } from '../observability/logger.ts'
import { createServices, type Services } from '../services.ts'
import { openStore, storeKind } from '../store/open-store.ts'
import type { AdminAct } from '../users/admin-actions.ts'
import { loadCommandConfig } from './config-path.ts'

/** An expected failure, told in one line: unknown user, missing reason, bad config … (exit code 1). */
export class CommandError extends Error {}

/** Opens the configured store, runs `work`, and closes it whatever happens, so the process can exit. */
export async function withServices(
  configFlag: string | undefined,
  work: (s: Services) => Promise<number>,
): Promise<number> {
  const loaded = loadCommandConfig(configFlag)
  if (loaded === null) return 2
  const { config } = loaded
  // A mistyped path would otherwise create an empty store and report that no one exists.
  if (storeKind(config.store) === 'embedded' && !existsSync(config.store.embedded_path)) {
    throw new CommandError(`no store at ${config.store.embedded_path}; has the gateway run with this config?`)
  }
  const store = openStore(config.store)
  // stdout is the command's answer; the JSON log lines of actions go to stderr (synchronous for
  // files, pipes and terminals on Linux, so none is lost when the command exits).
  const log = createLogger(config.log_level, process.stderr)
  const s = createServices({ config, store, clock: systemClock, log })
  try {
    return await work(s)
  } finally {
    s.upstream.close()
    await store.close()
  }
}

export const cliAct = (): AdminAct => ({
  actor: `cli:${userInfo().username}`,
  origin: { ip: 'cli', userAgent: 'tapgate cli' },
})

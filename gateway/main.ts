import { loadConfigFile } from './config/load.ts'
import { systemClock } from './deps.ts'
import { createLogger } from './observability/logger.ts'
import { startGateway } from './server.ts'
import { openStore } from './store/open-store.ts'

/** `tapgate serve --config FILE` (or TAPGATE_CONFIG): start, and drain on SIGTERM/SIGINT. */
export async function serveCommand(configPath: string | undefined): Promise<number> {
  if (!configPath) {
    process.stderr.write('tapgate: no config file; pass --config FILE or set TAPGATE_CONFIG\n')
    return 2
  }
  const loaded = loadConfigFile(configPath)
  if (!loaded.ok) {
    process.stderr.write(`tapgate: ${configPath} has ${loaded.problems.length} problem(s):\n`)
    for (const problem of loaded.problems) process.stderr.write(`  ${problem}\n`)
    return 2
  }
  const { config } = loaded
  const log = createLogger(config.log_level)
  const store = openStore({
    ...(config.store.redis_url ? { redisUrl: config.store.redis_url } : {}),
    embeddedPath: config.store.embedded_path,
    keyPrefix: config.store.key_prefix,
  })
  const gateway = await startGateway({ config, store, clock: systemClock, log })
  log.info(
    {
      event: 'started',
      url: gateway.url,
      publicUrl: config.public_url,
      upstream: config.upstream.url,
      store: config.store.redis_url ? 'redis' : 'embedded',
    },
    'tapgate listening',
  )
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ event: 'stopping', signal }, 'draining in-flight requests')
      gateway.close().then(resolve, resolve)
    }
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
  })
  return 0
}

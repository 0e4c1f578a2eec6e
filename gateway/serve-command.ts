import cluster from 'node:cluster'
import type { Logger } from 'pino'
import { AggregatorRegistry } from 'prom-client'
import type { Config } from './config/schema.ts'
import { systemClock } from './deps.ts'
import { createLogger } from './observability/logger.ts'
import { writePidFile } from './reload/pid-file.ts'
import { reloadFromFile } from './reload/reload-from-file.ts'
import { type RunningGateway, startGateway } from './server.ts'
import { IdentityFileError } from './store/identity-file.ts'
import { openStore, storeKind } from './store/open-store.ts'
import { EmbeddedStoreInUseError, holdServingLock, type ServingLock } from './store/sqlite-serving-lock.ts'
import type { Store } from './store/store.ts'
import { servePrimary, stopMessage } from './workers/primary.ts'
import { workerCount } from './workers/worker-count.ts'

/**
 * `tapgate serve`: start with a checked config, reload it from `file` on SIGHUP, and drain on
 * SIGTERM/SIGINT; with `server.workers` above one, as the primary of that many workers (workers/).
 */
export async function serveCommand(file: string, config: Config): Promise<number> {
  const log = createLogger(config.log_level)
  // Node's default for SIGHUP ends the process; one that comes while starting is answered once started.
  let reloadAsked = false
  let reload = () => {
    reloadAsked = true
  }
  const hangUp = () => reload()
  process.on('SIGHUP', hangUp)
  // The primary's id is the one to signal; a worker has none of its own to write.
  const removePidFile =
    cluster.isWorker || config.pid_file === undefined ? null : writePidFile(config.pid_file)
  const onStarted = (reloadNow: () => void) => {
    reload = reloadNow
    if (reloadAsked) reload()
  }
  try {
    if (cluster.isPrimary && workerCount(config.server) > 1) return await servePrimary(config, log, onStarted)
    const { worker } = cluster
    const serving = worker === undefined ? log : log.child({ worker: worker.id, pid: process.pid })
    return await serveUntilStopped(config, serving, (gateway) =>
      onStarted(() => void reloadFromFile(file, gateway, serving)),
    )
  } finally {
    process.off('SIGHUP', hangUp)
    removePidFile?.()
    // A worker's channel to the primary would keep it alive once drained.
    if (cluster.isWorker) process.disconnect()
  }
}

/** One process serving: the only one, or a worker of a primary (which serves the metrics then). */
async function serveUntilStopped(
  config: Config,
  log: Logger,
  onStarted: (gateway: RunningGateway) => void,
): Promise<number> {
  const inWorker = cluster.isWorker
  const started = await startServing(config, log, { serveMetrics: !inWorker })
  if ('refusal' in started) {
    process.stderr.write(`tapgate: ${started.refusal}\n`)
    return 1
  }
  const { gateway, lock } = started
  if (inWorker) {
    // The primary asks for this registry's figures over IPC and sums them (workers/primary.ts).
    new AggregatorRegistry()
    AggregatorRegistry.setRegistries([gateway.services.metrics.registry])
  }
  log.info(
    {
      // `started` means the gateway serves: a worker's start is one part of it (workers/primary.ts).
      event: inWorker ? 'worker_started' : 'started',
      url: gateway.url,
      publicUrl: config.public_url,
      upstream: config.upstream.url,
      store: storeKind(config.store),
    },
    inWorker ? 'worker listening' : 'tapgate listening',
  )
  onStarted(gateway)
  const signal = await new Promise<NodeJS.Signals | 'primary'>((resolve) => {
    // Both listeners go at the first signal: a second one while draining ends the process at once.
    // The primary's request to stop is not a signal: a worker already draining (Ctrl-C reaches the
    // whole process group) goes on draining.
    const stop = (received: NodeJS.Signals | 'primary') => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      process.off('message', fromPrimary)
      resolve(received)
    }
    const fromPrimary = (message: unknown) => {
      if (message === stopMessage) stop('primary')
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
    process.on('message', fromPrimary)
  })
  // close() stops listening before it first waits, so "stopping" is logged once new connections are refused.
  const drained = gateway.close()
  log.info({ event: 'stopping', signal }, 'stopped accepting; draining in-flight requests')
  try {
    await drained
  } catch (error) {
    log.error({ event: 'stop_failed', err: (error as Error).message }, 'could not close cleanly')
    return 1
  } finally {
    lock?.release()
  }
  log.info({ event: 'stopped' }, 'in-flight requests done, store closed')
  return 0
}

/**
 * Opens the store and starts the gateway (for `tapgate serve` and the demo); a refusal told in one
 * line when another process serves from the same embedded store, or the store identity file is unusable.
 */
export async function startServing(
  config: Config,
  log: Logger,
  { serveMetrics = true }: { serveMetrics?: boolean } = {},
): Promise<{ gateway: RunningGateway; lock: ServingLock | null } | { refusal: string }> {
  let lock: ServingLock | null = null
  let store: Store | null = null
  try {
    if (storeKind(config.store) === 'embedded') lock = holdServingLock(config.store.embedded_path)
    store = openStore(config.store, systemClock)
    return { gateway: await startGateway({ config, store, clock: systemClock, log }, { serveMetrics }), lock }
  } catch (error) {
    await store?.close()
    lock?.release()
    if (error instanceof EmbeddedStoreInUseError || error instanceof IdentityFileError) {
      return { refusal: error.message }
    }
    throw error
  }
}

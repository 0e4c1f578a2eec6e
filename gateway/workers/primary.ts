import cluster, { type Worker } from 'node:cluster'
import type { Logger } from 'pino'
import { AggregatorRegistry } from 'prom-client'
import type { Config } from '../config/schema.ts'
import { startMetricsServer } from '../observability/metrics-server.ts'
import { storeKind } from '../store/open-store.ts'
import { workerCount } from './worker-count.ts'

/** What the primary tells a worker over IPC: stop accepting and drain, as SIGTERM would. */
export const stopMessage = 'tapgate:stop'

/**
 * `tapgate serve` with `server.workers` above one: this process forks the workers (each runs the
 * gateway on the shared listening socket, with its own store connection), serves `/metrics` summed
 * over them, passes SIGHUP on (each reloads the file), and on SIGTERM or SIGINT has every worker
 * drain, then exits. A worker that dies while serving is replaced; one that cannot start ends them all
 * with its exit code (a config problem must not restart forever). `onStarted` gets the reload.
 */
export async function servePrimary(
  config: Config,
  log: Logger,
  onStarted: (reload: () => void) => void,
): Promise<number> {
  const count = workerCount(config.server)
  const aggregator = new AggregatorRegistry()
  const metrics = config.metrics.enabled
    ? await startMetricsServer(
        { contentType: aggregator.contentType, text: () => aggregator.clusterMetrics() },
        config.metrics.listen,
      )
    : null
  /** Until every worker first listens, a worker that exits is a failed start, not one to replace. */
  let serving = false
  let stopping = false
  const workers = new Set<Worker>()
  const fork = () => workers.add(cluster.fork())
  cluster.on('exit', (worker, code, signal) => {
    workers.delete(worker)
    if (!serving || stopping) return
    log.error({ event: 'worker_died', worker: worker.id, code, signal }, 'a worker died: starting another')
    fork()
  })

  const startFailure = await new Promise<number | null>((resolve) => {
    let listening = 0
    const onListening = () => {
      if (++listening === count) done(null)
    }
    const onExit = (_worker: Worker, code: number | null) => done(code === 0 || code === null ? 1 : code)
    const done = (failure: number | null) => {
      cluster.off('listening', onListening)
      cluster.off('exit', onExit)
      resolve(failure)
    }
    cluster.on('listening', onListening)
    cluster.on('exit', onExit)
    for (let i = 0; i < count; i++) fork()
  })

  const allExited = () =>
    new Promise<boolean>((resolve) => {
      let clean = true
      const check = (_worker?: Worker, code?: number | null) => {
        if (code !== undefined && code !== 0) clean = false
        if (workers.size === 0) {
          cluster.off('exit', check)
          resolve(clean)
        }
      }
      cluster.on('exit', check)
      check()
    })

  if (startFailure !== null) {
    stopping = true
    for (const worker of workers) worker.kill('SIGTERM')
    await allExited()
    await metrics?.close()
    return startFailure
  }

  serving = true
  log.info(
    {
      event: 'started',
      workers: count,
      publicUrl: config.public_url,
      upstream: config.upstream.url,
      store: storeKind(config.store),
    },
    'tapgate listening',
  )
  onStarted(() => {
    for (const worker of workers) worker.process.kill('SIGHUP')
  })
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals) => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      resolve(received)
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
  stopping = true
  log.info({ event: 'stopping', signal, workers: workers.size }, 'every worker drains its requests')
  const exited = allExited()
  for (const worker of workers) if (worker.isConnected()) worker.send(stopMessage)
  const clean = await exited
  await metrics?.close()
  log.info({ event: 'stopped' }, 'every worker has stopped')
  return clean ? 0 : 1
}

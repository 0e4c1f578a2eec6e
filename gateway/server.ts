import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { createRequestListener } from './app.ts'
import { restartOnlyChanges, withRestartOnlyKept } from './config/restart-only.ts'
import type { Config } from './config/schema.ts'
import { configWarnings } from './config/warnings.ts'
import type { Deps } from './deps.ts'
import { checkAttestationsAgainst } from './factors/webauthn/authenticator-metadata.ts'
import { watchUsersFile } from './first-factor/removed-users.ts'
import { ResponseWithHeadEvent } from './http/response-head-event.ts'
import { startMetricsServer } from './observability/metrics-server.ts'
import { panelUpgrade } from './routes/panel-upgrade.ts'
import { createLastingParts, createServices, type Services } from './services.ts'
import { checkStoreIdentity } from './store/check-store-identity.ts'

/** What a reload did: applied, naming the changed settings only a restart applies; or refused. */
export type ReloadOutcome =
  | { applied: true; restartNeeded: readonly string[] }
  | { applied: false; problems: readonly string[] }

export interface RunningGateway {
  url: string
  server: Server
  /** What the request handlers use (since the latest reload); for in-process callers such as tests. */
  readonly services: Services
  /** Where Prometheus scrapes (`metrics.listen`); null when metrics are off. */
  metricsUrl: string | null
  /**
   * Serves new requests by a checked config; requests in flight finish under the one they began
   * with. Restart-only settings (config/restart-only.ts) keep their running values.
   */
  reload(config: Config): Promise<ReloadOutcome>
  /** Stops accepting, lets in-flight requests finish, then closes the upstream agent and the store. */
  close(): Promise<void>
}

/** The request handlers built from one config, and what they started. */
interface Handlers {
  services: Services
  request: RequestListener
  upgrade: (incoming: IncomingMessage, socket: Duplex, head: Buffer) => void
  stopWatchingUsers: (() => void) | undefined
}

/** What every config's handlers share: the server's view of its connections. */
interface Connections {
  misframed: WeakSet<Socket>
  upgraded: Set<Duplex>
}

async function handlersFor(services: Services, connections: Connections): Promise<Handlers> {
  logConfigWarnings(services)
  const metadata = services.webauthn?.settings.metadata
  if (metadata !== undefined) await checkAttestationsAgainst(metadata)
  return {
    services,
    request: createRequestListener(services, connections.misframed),
    upgrade: panelUpgrade(services, connections.upgraded),
    stopWatchingUsers: await watchUsersFile(services),
  }
}

/**
 * Starts serving `deps.config`. `serveMetrics: false` leaves `/metrics` to a primary process that
 * sums its workers' (workers/); the registry is then answered over IPC.
 */
export async function startGateway(
  deps: Deps,
  {
    listen = deps.config.listen,
    serveMetrics = true,
  }: { listen?: Config['listen']; serveMetrics?: boolean } = {},
): Promise<RunningGateway> {
  const lasting = createLastingParts(deps)
  const connections: Connections = { misframed: new WeakSet(), upgraded: new Set() }
  await checkStoreIdentity({ storeIdentity: lasting.storeIdentity, log: deps.log })
  let current = await handlersFor(createServices(deps, lasting), connections)
  const server = createServer({ ServerResponse: ResponseWithHeadEvent }, (incoming, outgoing) =>
    current.request(incoming, outgoing),
  )
  server.on('upgrade', (incoming, socket, head) => current.upgrade(incoming, socket, head))
  // Slow-loris defence for the head; a body may take as long as it keeps its pace (limits.body_*).
  server.headersTimeout = 30_000
  server.requestTimeout = 0
  const { metrics: metricsSettings } = deps.config
  const { registry } = lasting.metrics
  const metrics =
    metricsSettings.enabled && serveMetrics
      ? await startMetricsServer(
          { contentType: registry.contentType, text: () => registry.metrics() },
          metricsSettings.listen,
        )
      : null
  /** Reloads one at a time, in the order asked. */
  let reloads: Promise<unknown> = Promise.resolve()

  let closing = false
  const stopping: ReloadOutcome = { applied: false, problems: ['the gateway is stopping'] }

  const reload = async (reloaded: Config): Promise<ReloadOutcome> => {
    if (closing) return stopping
    const running = current.services.config
    const config = withRestartOnlyKept(running, reloaded)
    let next: Handlers
    try {
      next = await handlersFor(createServices({ ...deps, config }, lasting), connections)
    } catch (error) {
      return { applied: false, problems: [(error as Error).message] }
    }
    if (closing) {
      next.stopWatchingUsers?.()
      return stopping
    }
    const previous = current
    current = next
    previous.stopWatchingUsers?.()
    deps.log.level = config.log_level
    return { applied: true, restartNeeded: restartOnlyChanges(running, reloaded) }
  }

  return new Promise((resolve, reject) => {
    // Not listening (the address is taken …): nothing started may keep the process alive.
    server.once('error', (error) => {
      metrics?.close()
      current.stopWatchingUsers?.()
      lasting.upstream.close()
      reject(error)
    })
    server.listen(listen.port, listen.host, () => {
      const info = server.address() as AddressInfo
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address
      resolve({
        url: `http://${host}:${info.port}`,
        server,
        get services() {
          return current.services
        },
        metricsUrl: metrics?.url ?? null,
        reload: (config) => {
          const outcome = reloads.then(() => reload(config))
          reloads = outcome
          return outcome
        },
        close: async () => {
          closing = true
          await new Promise<void>((done) => {
            server.close(() => done())
            // Node keeps kept-alive connections open after close(): no further request may use one,
            // and each is closed as soon as its response is out (polled: Node has no event for it).
            server.on('request', (_request, response) => {
              response.shouldKeepAlive = false
            })
            const sweep = setInterval(() => server.closeIdleConnections(), 50)
            server.once('close', () => clearInterval(sweep))
            server.closeIdleConnections()
            // An open WebSocket would otherwise hold shutdown forever.
            for (const socket of connections.upgraded) socket.destroy()
          })
          current.stopWatchingUsers?.()
          await metrics?.close()
          lasting.upstream.close()
          await deps.store.close()
        },
      })
    })
  })
}

/** Settings that work but deserve a word in the log, at start and at every reload. */
function logConfigWarnings({ config, log }: Services): void {
  // Allowed for a test bench; in production it lets anyone on the path pose as Redis or the panel.
  for (const [key, tls] of [
    ['store.tls', config.store.tls],
    ['upstream.tls', config.upstream.tls],
  ] as const) {
    if (tls?.reject_unauthorized === false) {
      log.warn(
        { event: 'tls_unverified', key },
        `${key}.reject_unauthorized is false: any certificate is accepted`,
      )
    }
  }
  for (const { key, message } of configWarnings(config)) {
    log.warn({ event: 'config_warning', key }, `${key}: ${message}`)
  }
}

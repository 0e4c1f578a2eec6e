import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequestListener } from './app.ts'
import { configWarnings } from './config/warnings.ts'
import type { Deps } from './deps.ts'
import { checkAttestationsAgainst } from './factors/webauthn/authenticator-metadata.ts'
import { watchUsersFile } from './first-factor/removed-users.ts'
import { ResponseWithHeadEvent } from './http/response-head-event.ts'
import { startMetricsServer } from './observability/metrics-server.ts'
import { panelUpgrade } from './routes/panel-upgrade.ts'
import { createServices, type Services } from './services.ts'
import { checkStoreIdentity } from './store/check-store-identity.ts'

export interface RunningGateway {
  url: string
  server: Server
  /** What the request handlers use; for in-process callers such as tests and the admin CLI's checks. */
  services: Services
  /** Where Prometheus scrapes (`metrics.listen`); null when metrics are off. */
  metricsUrl: string | null
  /** Stops accepting, lets in-flight requests finish, then closes the upstream agent and the store. */
  close(): Promise<void>
}

export async function startGateway(deps: Deps, listen = deps.config.listen): Promise<RunningGateway> {
  const services = createServices(deps)
  await checkStoreIdentity(services)
  // Allowed for a test bench; in production it lets anyone on the path pose as Redis or the panel.
  for (const [key, tls] of [
    ['store.tls', deps.config.store.tls],
    ['upstream.tls', deps.config.upstream.tls],
  ] as const) {
    if (tls?.reject_unauthorized === false) {
      deps.log.warn(
        { event: 'tls_unverified', key },
        `${key}.reject_unauthorized is false: any certificate is accepted`,
      )
    }
  }
  for (const { key, message } of configWarnings(deps.config)) {
    deps.log.warn({ event: 'config_warning', key }, `${key}: ${message}`)
  }
  const metadata = services.webauthn?.settings.metadata
  if (metadata !== undefined) await checkAttestationsAgainst(metadata)
  const stopWatchingUsers = await watchUsersFile(services)
  const server = createServer({ ServerResponse: ResponseWithHeadEvent }, createRequestListener(services))
  const upgrades = panelUpgrade(services)
  server.on('upgrade', upgrades.upgrade)
  // Slow-loris defence for the head; a body may take as long as it keeps its pace (limits.body_*).
  server.headersTimeout = 30_000
  server.requestTimeout = 0
  const { metrics: metricsSettings } = deps.config
  const metrics = metricsSettings.enabled
    ? await startMetricsServer(services.metrics, metricsSettings.listen)
    : null
  return new Promise((resolve, reject) => {
    // Not listening (the address is taken …): nothing started may keep the process alive.
    server.once('error', (error) => {
      metrics?.close()
      stopWatchingUsers?.()
      services.upstream.close()
      reject(error)
    })
    server.listen(listen.port, listen.host, () => {
      const info = server.address() as AddressInfo
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address
      resolve({
        url: `http://${host}:${info.port}`,
        server,
        services,
        metricsUrl: metrics?.url ?? null,
        close: async () => {
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
            upgrades.closeAll()
          })
          stopWatchingUsers?.()
          await metrics?.close()
          services.upstream.close()
          await deps.store.close()
        },
      })
    })
  })
}

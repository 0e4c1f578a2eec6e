import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface MetricsServer {
  url: string
  close(): Promise<void>
}

/** Where the metrics text comes from: one process's registry, or every worker's summed (workers/). */
export interface MetricsSource {
  contentType: string
  text(): Promise<string>
}

/** `GET /metrics` for Prometheus on its own address (`metrics.listen`); nothing else is served there. */
export function startMetricsServer(
  source: MetricsSource,
  listen: { host: string; port: number },
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    if (request.url !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: metrics are at /metrics\n')
      return
    }
    source.text().then(
      (text) => response.writeHead(200, { 'Content-Type': source.contentType }).end(text),
      (error: Error) =>
        response.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${error.message}\n`),
    )
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(listen.port, listen.host, () => {
      const { address, family, port } = server.address() as AddressInfo
      resolve({
        url: `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done())
            server.closeAllConnections()
          }),
      })
    })
  })
}

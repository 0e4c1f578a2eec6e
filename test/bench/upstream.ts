// Child process: the "panel". The cheapest possible node:http answer, so every target's cost beyond
// this is the proxy's.

import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { serveRun, upstreamBody } from './protocol.ts'

const body = Buffer.from(upstreamBody)

const server = http.createServer((request, response) => {
  request.resume()
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length })
  response.end(body)
})
// Longer than any pause between targets: the proxies' pooled sockets must not be closed under
// them (a keep-alive race would show up as errors that are not the proxy's fault).
server.keepAliveTimeout = 120_000
server.listen(0, '127.0.0.1')
await once(server, 'listening')

const { port } = server.address() as AddressInfo
await serveRun({ url: `http://127.0.0.1:${port}` }, async () => {
  server.closeAllConnections()
  server.close()
})

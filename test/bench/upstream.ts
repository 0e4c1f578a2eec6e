// Child process: the "panel". The cheapest possible node:http answer, so every target's cost beyond
// this is the proxy's.

import http from 'node:http'
import { cookieEchoPath, serveHttp, upstreamBody } from './protocol.ts'

const body = Buffer.from(upstreamBody)

const server = http.createServer((request, response) => {
  request.resume()
  if (request.url === cookieEchoPath) {
    response.end(request.headers.cookie ?? '')
    return
  }
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length })
  response.end(body)
})
// Longer than any pause between slices: the proxies' pooled sockets must not be closed under
// them (a keep-alive race would show up as errors that are not the proxy's fault).
server.keepAliveTimeout = 120_000
await serveHttp(server)

// Child process: the reference every Node proxy is compared with (LIBRARIES.md §11), node's
// http-proxy with default options plus a keep-alive agent towards the upstream.
import http from 'node:http'
import httpProxy from 'http-proxy'
import { childInput, serveHttp } from './protocol.ts'

const { upstreamUrl } = childInput<{ upstreamUrl: string }>()

// Same pool size as tapgate's Upstream, so neither side is throttled by its agent.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })
const proxy = httpProxy.createProxyServer({ target: upstreamUrl, agent })
proxy.on('error', (_error, _request, response) => {
  // Counted as non-2xx by the load generator, so a broken reference run is visible.
  if (response instanceof http.ServerResponse && !response.headersSent) response.writeHead(502).end()
  else response.destroy()
})

const server = http.createServer((request, response) => proxy.web(request, response))
await serveHttp(server, () => agent.destroy())

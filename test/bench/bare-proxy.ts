// Child process: the ceiling, what a Node proxy costs when it checks nothing. The same server and
// client tapgate is built on (node:http towards the client, an undici Pool dispatch towards the
// panel, both streaming), with none of tapgate's work: no session, no rules, no header hygiene, no
// metrics. tapgate ÷ this row is what its checks cost; this row ÷ http-proxy is the most any proxy
// on this stack can show (issue 18).
import http from 'node:http'
import type { Dispatcher } from 'undici'
import { Pool } from 'undici'
import { childInput, serveHttp } from './protocol.ts'

const { upstreamUrl } = childInput<{ upstreamUrl: string }>()

// As tapgate's Upstream (gateway/proxy/forward-request.ts), so neither is throttled by its pool.
const pool = new Pool(upstreamUrl, { connections: 256, headersTimeout: 0, bodyTimeout: 0 })

/** What undici refuses to be given: it frames the request and manages the connection itself. */
const connectionHeaders = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']

const server = http.createServer((request, response) => {
  const { headers } = request
  const hasBody = headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined
  for (const name of connectionHeaders) delete headers[name]
  pool.dispatch(
    {
      method: request.method as Dispatcher.HttpMethod,
      path: request.url ?? '/',
      headers: headers as Record<string, string>,
      body: hasBody ? request : null,
    },
    relayTo(response),
  )
})

/** Streams the panel's answer to the client as it comes. */
function relayTo(response: http.ServerResponse): Dispatcher.DispatchHandler {
  return {
    onConnect() {},
    onError(error) {
      if (response.headersSent) response.destroy(error)
      else response.writeHead(502).end()
    },
    onHeaders(statusCode, rawHeaders, resume) {
      const headers = rawHeaders.map((value) => value.toString('latin1'))
      response.writeHead(statusCode, headers)
      response.on('drain', resume)
      return true
    },
    onData(chunk) {
      return response.write(chunk)
    },
    onComplete() {
      response.end()
    },
  }
}

await serveHttp(server, () => void pool.destroy())

import { once } from 'node:events'
import type { IncomingHttpHeaders, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { type WebSocket, WebSocketServer } from 'ws'

export interface RecordedUpgrade {
  /** The request-target exactly as it arrived. */
  target: string
  headers: IncomingHttpHeaders
}

export interface WebSocketUpstream {
  /** Every Upgrade request that reached the upstream, answered or not. */
  upgrades: RecordedUpgrade[]
  /** The upstream's end of the next WebSocket it accepts; call it before the client connects. */
  nextConnection(): Promise<WebSocket>
  /** Ends every WebSocket and held connection; call it before closing `server`, which would wait for them. */
  close(): Promise<void>
}

/**
 * A real WebSocket panel console on an existing HTTP(S) server (the demo panel, say), answering
 * Upgrade requests by their path:
 * - `…/refuse`: 403 with a text body instead of switching protocols
 * - `…/plain`: 200 with a text body
 * - `…/hang`: never answered
 * - anything else: an echo; each message comes back as it was sent (text as text, binary as binary),
 *   except the text `later <ms> <text>`, which comes back as `<text>` after that many milliseconds.
 */
export function attachWebSocketUpstream(server: Server): WebSocketUpstream {
  const upgrades: RecordedUpgrade[] = []
  const held = new Set<Duplex>()
  const timers = new Set<NodeJS.Timeout>()
  const wss = new WebSocketServer({ noServer: true })
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      const later = isBinary ? null : /^later (\d+) (.*)$/s.exec(data.toString())
      if (!later) return ws.send(data, { binary: isBinary })
      const timer = setTimeout(() => {
        timers.delete(timer)
        ws.send(later[2] ?? '')
      }, Number(later[1]))
      timers.add(timer)
    })
  })

  server.on('upgrade', (req, socket, head) => {
    upgrades.push({ target: req.url ?? '', headers: req.headers })
    held.add(socket)
    socket.once('close', () => held.delete(socket))
    socket.on('error', () => socket.destroy())
    const path = new URL(req.url ?? '/', 'http://upstream').pathname
    if (path.endsWith('/hang')) return
    if (path.endsWith('/refuse')) return void socket.end(plainAnswer('403 Forbidden', 'no console for you'))
    if (path.endsWith('/plain')) return void socket.end(plainAnswer('200 OK', 'just a page'))
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })

  return {
    upgrades,
    async nextConnection() {
      const [ws] = (await once(wss, 'connection')) as [WebSocket]
      return ws
    },
    async close() {
      for (const timer of timers) clearTimeout(timer)
      for (const ws of wss.clients) ws.terminate()
      for (const socket of held) socket.destroy()
      wss.close()
      await once(wss, 'close')
    },
  }
}

function plainAnswer(status: string, body: string): string {
  return `HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`
}

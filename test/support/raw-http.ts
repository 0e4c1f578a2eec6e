import { connect } from 'node:net'

export interface RawResponse {
  status: number
  head: string
  body: string
}

/**
 * Sends a request-target byte for byte. fetch() and http.request() normalise or refuse the very
 * targets an attacker sends (dot segments, raw spaces, backslashes), so the corpus goes over a socket.
 * `target` holds one char per byte (Latin-1).
 */
export function rawRequest(
  url: string,
  method: string,
  target: string,
  headers: string[] = [],
): Promise<RawResponse> {
  const { hostname, port } = new URL(url)
  const lines = [`${method} ${target} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close', ...headers]
  return rawExchange(url, `${lines.join('\r\n')}\r\n\r\n`)
}

/**
 * Writes `bytes` (one char per byte, Latin-1) as they are, head and body, on one connection, and
 * reads the first answer on it once the server closes the connection.
 */
export function rawExchange(url: string, bytes: string): Promise<RawResponse> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const end = text.indexOf('\r\n\r\n')
      const head = end < 0 ? text : text.slice(0, end)
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: text.slice(end + 4) })
    })
    // Not end(): a half-closed socket makes Node's server drop the answer to a request still in flight.
    socket.write(Buffer.from(bytes, 'latin1'))
  })
}

import type { IncomingMessage } from 'node:http'

/**
 * Requests whose framing or target two HTTP parsers could read differently (request smuggling,
 * RFC 9112 §6.3). Node's own parser already answers 400 to Content-Length with Transfer-Encoding, to
 * two Content-Lengths, to a Transfer-Encoding whose last coding is not chunked, and to folded header
 * lines. It passes on what is refused here:
 * - more than one Host (RFC 9112 §3.2 says 400): the panel may read the other one;
 * - a Transfer-Encoding other than exactly `chunked` (`gzip, chunked`, an empty one): Node undoes the
 *   chunking only, and the panel would get a still-encoded body as if it were plain;
 * - a Transfer-Encoding on an HTTP/1.0 request, which RFC 9112 §6.1 says to treat as faulty.
 */
export type FramingFault = 'duplicate_host' | 'transfer_coding' | 'transfer_encoding_in_http_1_0'

/** The first fault in the request's framing, or null. Allocates nothing for a well-formed request. */
export function framingFault(incoming: IncomingMessage): FramingFault | null {
  const raw = incoming.rawHeaders
  let hosts = 0
  for (let i = 0; i < raw.length; i += 2) {
    if (isHost(raw[i]!) && ++hosts > 1) return 'duplicate_host'
  }
  const transferEncoding = incoming.headers['transfer-encoding']
  if (transferEncoding === undefined) return null
  if (incoming.httpVersionMajor === 1 && incoming.httpVersionMinor === 0) {
    return 'transfer_encoding_in_http_1_0'
  }
  return transferEncoding.length === 7 && transferEncoding.toLowerCase() === 'chunked'
    ? null
    : 'transfer_coding'
}

function isHost(name: string): boolean {
  return (
    name.length === 4 &&
    (name.charCodeAt(0) | 0x20) === 0x68 &&
    (name.charCodeAt(1) | 0x20) === 0x6f &&
    (name.charCodeAt(2) | 0x20) === 0x73 &&
    (name.charCodeAt(3) | 0x20) === 0x74
  )
}

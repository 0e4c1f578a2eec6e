import type { IncomingMessage } from 'node:http'

const formTypes = ['application/x-www-form-urlencoded', 'multipart/form-data', 'application/json']

/**
 * The start of a request body, kept as it streams to the panel (nothing is held up or buffered whole):
 * if the panel answers by starting a session, tapgate must know whether the request was a login.
 * Only form and JSON bodies are kept; `take()` gives null when the body was longer than `limit`.
 */
export function sampleBody(incoming: IncomingMessage, limit: number): { take(): Buffer | null } | null {
  const type = incoming.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase()
  if (type === undefined || !formTypes.includes(type)) return null
  const chunks: Buffer[] = []
  let size = 0
  incoming.on('data', (chunk: Buffer) => {
    size += chunk.length
    if (size <= limit) chunks.push(chunk)
  })
  return { take: () => (size <= limit ? Buffer.concat(chunks) : null) }
}

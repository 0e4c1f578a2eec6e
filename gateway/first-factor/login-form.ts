import type { IncomingMessage } from 'node:http'

/**
 * A login body is read whole before anything reaches the panel: tapgate parses it strictly and sends
 * the panel its own re-serialisation (login-request.ts). It is small, so it is read up to a limit;
 * null when the client sends more than that.
 */
export function readLoginForm(incoming: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = Number(incoming.headers['content-length'] ?? 0) > maxBytes ? Number.POSITIVE_INFINITY : 0
    // An oversized body is drained, not cut: destroying the request would also kill the 413 answer.
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= maxBytes) chunks.push(chunk)
    })
    incoming.on('end', () => resolve(size <= maxBytes ? Buffer.concat(chunks) : null))
    incoming.on('error', reject)
  })
}

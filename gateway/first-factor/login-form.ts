import type { IncomingMessage } from 'node:http'

/**
 * The login body is the one body tapgate reads: it needs the username. It is small, so it is read
 * whole, up to a limit; null when the client sends more than that.
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

/** The username from a form-encoded or JSON login body; null when absent or unreadable. */
export function usernameFromLoginForm(
  body: Buffer,
  contentType: string | undefined,
  field: string,
): string | null {
  const type = contentType?.split(';')[0]?.trim().toLowerCase()
  let value: unknown
  if (type === 'application/x-www-form-urlencoded') {
    value = new URLSearchParams(body.toString('utf8')).get(field)
  } else if (type === 'application/json') {
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'))
      value =
        typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[field] : undefined
    } catch {
      return null
    }
  }
  return typeof value === 'string' && value.trim() !== '' && value.length <= 256 ? value : null
}

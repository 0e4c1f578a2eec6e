import { once } from 'node:events'
import { createServer } from 'node:net'

/** A loopback port free right now; callers that race for it retry with a fresh one. */
export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  await once(server, 'close')
  if (address === null || typeof address === 'string') throw new Error('no TCP address for the probe server')
  return address.port
}

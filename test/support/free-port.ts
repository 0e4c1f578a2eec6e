import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/**
 * Below the kernel's ephemeral range, so that no outgoing connection (autocannon's, a Redis
 * client's …) is given the port between this probe and the caller's listen, as happens to a port
 * the kernel hands out for `listen(0)`.
 */
const lowest = 10_000
const ephemeralStart = (() => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
  } catch {
    return 32_768
  }
})()

/** A loopback port free right now; callers that race for it retry with a fresh one. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = lowest + Math.floor(Math.random() * (ephemeralStart - lowest))
    if (await bindable(port)) return port
  }
  throw new Error(`no free loopback port found between ${lowest} and ${ephemeralStart}`)
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

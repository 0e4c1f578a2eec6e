import { once } from 'node:events'
import { Agent, type ClientRequest, type IncomingMessage, request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../support/free-port.ts'
import { type LogLine, testEncryptionKey } from '../support/gateway.ts'
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process.ts'
import { type RedisServer, startRedis } from '../support/redis.ts'
import { chunkSize, type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts'
import { waitFor } from '../support/wait-for.ts'

const uploadBytes = 4 * 1024 * 1024

let redis: RedisServer
let upstream: RecordingUpstream
let gateway: GatewayProcess | undefined
let agent: Agent | undefined

beforeAll(async () => {
  redis = await startRedis()
  upstream = await startRecordingUpstream()
})
afterEach(async () => {
  agent?.destroy()
  await gateway?.stop()
})
afterAll(async () => {
  await upstream?.close()
  await redis?.stop()
})

/** `tapgate serve` on the Redis store, so an unclosed store connection would keep it from exiting. */
async function startGateway(): Promise<GatewayProcess> {
  const port = await freePort()
  const started = await startGatewayProcess(
    [
      `listen: 127.0.0.1:${port}`,
      `public_url: http://127.0.0.1:${port}`,
      `upstream: { url: '${upstream.url}' }`,
      'first_factor: { panel_cookies: [PANELSESSID] }',
      `encryption_key: ${testEncryptionKey}`,
      `store: { redis_url: '${redis.url}', key_prefix: 'shutdown-${port}:' }`,
      "rules: [{ prefix: '/', policy: bypass }]",
    ].join('\n'),
  )
  await started.waitForOutput(/"msg":"tapgate listening"/)
  return started
}

function body(bytes: number): Readable {
  return Readable.from(
    (function* () {
      for (let sent = 0; sent < bytes; sent += chunkSize)
        yield Buffer.alloc(Math.min(chunkSize, bytes - sent), 0x75)
    })(),
  )
}

async function responseText(response: IncomingMessage): Promise<string> {
  let text = ''
  response.setEncoding('utf8')
  for await (const part of response) text += part
  return text
}

/** What a fresh TCP connection to the URL's port meets: 'accepted', or the error code. */
function connectOutcome(url: string): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) })
    socket.once('connect', () => {
      socket.destroy()
      resolve('accepted')
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
  })
}

function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
}

describe('tapgate serve on SIGTERM', () => {
  it('stops accepting, completes an upload in flight, closes the store and exits 0', async () => {
    gateway = await startGateway()
    // A keep-alive client, as browsers are: its connection must not keep the process alive either.
    agent = new Agent({ keepAlive: true })
    const upload: ClientRequest = request(`${gateway.url}/upload`, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(uploadBytes) },
    })
    const answered = once(upload, 'response') as Promise<[IncomingMessage]>
    upload.write(Buffer.alloc(chunkSize, 0x75))
    const received = await waitFor(async () => {
      const record = upstream.requests.find((r) => r.target === '/upload' && r.bodyBytes > 0)
      if (!record) throw new Error('the upstream has not received the upload yet')
      return record
    })

    process.kill(gateway.pid, 'SIGTERM')
    await gateway.waitForOutput(/"event":"stopping"/)
    expect(await connectOutcome(gateway.url)).toBe('ECONNREFUSED')

    await pipeline(body(uploadBytes - chunkSize), upload)
    const [response] = await answered
    expect(response.statusCode).toBe(200)
    expect(JSON.parse(await responseText(response))).toEqual({ bytes: uploadBytes })
    expect(received.bodyBytes).toBe(uploadBytes)
    expect(await received.outcome).toBe('complete')

    expect(await gateway.exited()).toEqual({ code: 0, signal: null })
    const logs = logLines(gateway.output())
    expect(logs.filter((line) => line.level >= 50)).toEqual([])
    expect(logs.filter((line) => line.event === 'stopping' || line.event === 'stopped')).toMatchObject([
      { event: 'stopping', signal: 'SIGTERM' },
      { event: 'stopped' },
    ])
  })

  it('does not stay alive for an idle keep-alive connection: closes it and exits 0', async () => {
    gateway = await startGateway()
    agent = new Agent({ keepAlive: true })
    const echo = request(`${gateway.url}/echo`, { agent })
    const [socket] = (await once(echo.end(), 'socket')) as [Socket]
    const [response] = (await once(echo, 'response')) as [IncomingMessage]
    expect(response.statusCode).toBe(200)
    await responseText(response)
    // Back in the agent's pool: open, idle, and ours to watch.
    expect(socket.destroyed).toBe(false)
    const socketClosed = once(socket, 'close')

    process.kill(gateway.pid, 'SIGTERM')
    expect(await gateway.exited()).toEqual({ code: 0, signal: null })
    await socketClosed
  })
})

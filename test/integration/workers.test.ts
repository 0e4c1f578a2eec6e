import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { tapgate, tapgateWithInput, writeCliConfig } from '../support/cli.ts'
import { freePort } from '../support/free-port.ts'
import { type LogLine, testEncryptionKey } from '../support/gateway.ts'
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process.ts'
import { type RedisServer, startRedis } from '../support/redis.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts'
import { waitFor } from '../support/wait-for.ts'

/**
 * Issue 18: `server.workers` runs that many processes on the one listening socket (node:cluster),
 * each with its own Redis connection. The primary serves the metrics summed over them, passes SIGHUP
 * on, and on SIGTERM has every worker drain before it exits.
 */
let redis: RedisServer
let upstream: RecordingUpstream
let gateway: GatewayProcess | undefined

beforeAll(async () => {
  redis = await startRedis()
  upstream = await startRecordingUpstream()
})
afterEach(async () => {
  await gateway?.stop()
  gateway = undefined
})
afterAll(async () => {
  await upstream?.close()
  await redis?.stop()
})

function configYaml(port: number, metricsPort: number, policy: 'bypass' | 'deny'): string {
  return [
    `listen: 127.0.0.1:${port}`,
    `public_url: http://127.0.0.1:${port}`,
    `upstream: { url: '${upstream.url}' }`,
    'first_factor: { panel_cookies: [PANELSESSID] }',
    `encryption_key: ${testEncryptionKey}`,
    `store: { redis_url: '${redis.url}', key_prefix: 'workers-${port}:' }`,
    `rules: [{ prefix: '/', policy: ${policy} }]`,
    'server: { workers: 2 }',
    'access_log: true',
    'pid_file: tapgate.pid',
    `metrics: { listen: '127.0.0.1:${metricsPort}' }`,
  ].join('\n')
}

function logLines(running: GatewayProcess): LogLine[] {
  return running
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
}

/** A GET on a connection of its own, so that the primary hands each to a worker in turn. */
function statusOf(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false, headers: { connection: 'close' } }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
      .on('error', reject)
      .end()
  })
}

describe('tapgate serve with server.workers: 2', () => {
  it('serves from two workers, sums their metrics, reloads both and drains both', async () => {
    const port = await freePort()
    const metricsPort = await freePort()
    gateway = await startGatewayProcess(configYaml(port, metricsPort, 'bypass'))
    const running = gateway
    await running.waitForOutput(/"msg":"tapgate listening"/)
    const workers = logLines(running).filter((line) => line.msg === 'worker listening')
    expect(new Set(workers.map((line) => line.worker))).toEqual(new Set([1, 2]))
    expect(logLines(running).find((line) => line.msg === 'tapgate listening')).toMatchObject({ workers: 2 })

    const statuses = []
    for (let i = 0; i < 12; i++) statuses.push(await statusOf(`${running.url}/echo`))
    expect(statuses.every((status) => status === 200)).toBe(true)
    // Each connection went to one worker or the other: both answered.
    await waitFor(async () => {
      const served = logLines(running).filter((line) => line.event === 'access' && line.path === '/echo')
      expect(served).toHaveLength(12)
      expect(new Set(served.map((line) => line.worker))).toEqual(new Set([1, 2]))
    })
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
    expect(metrics).toContain('tapgate_requests_total{policy="bypass",status="200"} 12')
    expect(metrics).toMatch(/tapgate_build_info\{version="[^"]+"\} 1\n/)
    expect(metrics).toContain('tapgate_store_up 1')

    writeFileSync(running.configFile, configYaml(port, metricsPort, 'deny'))
    process.kill(running.pid, 'SIGHUP')
    await waitFor(async () =>
      expect(logLines(running).filter((line) => line.event === 'config_reloaded')).toHaveLength(2),
    )
    for (let i = 0; i < 4; i++) expect(await statusOf(`${running.url}/echo`)).toBe(403)

    const pidFile = join(dirname(running.configFile), 'tapgate.pid')
    expect(existsSync(pidFile)).toBe(true)
    expect(await running.stop()).toEqual({ code: 0, signal: null })
    const stopped = logLines(running).filter((line) => line.event === 'stopped')
    expect(stopped.map((line) => line.worker ?? 'primary').sort()).toEqual([1, 2, 'primary'])
    expect(existsSync(pidFile)).toBe(false)
  })

  it('replaces a worker that dies while serving', async () => {
    const port = await freePort()
    gateway = await startGatewayProcess(configYaml(port, await freePort(), 'bypass'))
    const running = gateway
    await running.waitForOutput(/"msg":"tapgate listening"/)
    const [first] = logLines(running).filter((line) => line.msg === 'worker listening')
    process.kill(first?.pid as number, 'SIGKILL')
    await waitFor(async () => {
      expect(logLines(running).filter((line) => line.event === 'worker_died')).toHaveLength(1)
      expect(logLines(running).filter((line) => line.msg === 'worker listening')).toHaveLength(3)
    })
    for (let i = 0; i < 4; i++) expect(await statusOf(`${running.url}/echo`)).toBe(200)
    expect(await running.stop()).toEqual({ code: 0, signal: null })
  })

  it('exits 1 when the workers cannot listen, and starts none again', async () => {
    const taken = await startRecordingUpstream()
    try {
      const port = Number(new URL(taken.url).port)
      const dir = mkdtempSync(join(tmpdir(), 'tapgate-workers-'))
      const config = join(dir, 'tapgate.yaml')
      writeFileSync(config, configYaml(port, await freePort(), 'bypass'))
      const result = await tapgateWithInput(['serve', '--config', config], '')
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(
        `tapgate: cannot listen on 127.0.0.1:${port}: the address is already in use`,
      )
      expect(result.stdout).not.toContain('worker_died')
    } finally {
      await taken.close()
    }
  })

  it('is refused with the embedded store, which one process alone may serve', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapgate-workers-'))
    const config = writeCliConfig(join(dir, 'tapgate.yaml'), join(dir, 'store.db'), {
      server: { workers: 2 },
    })
    const result = await tapgate(['check-config', config])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(
      'server.workers: expected 1 with the embedded store: one SQLite file serves one process (use Redis)',
    )
  })
})

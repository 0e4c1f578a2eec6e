import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type DemoPanel, startDemoPanel } from '../../demo/panel.ts'
import { createRedisStore } from '../../gateway/store/redis-store.ts'
import { BrowserClient } from '../support/browser-client.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { type RedisServer, startRedis } from '../support/redis.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts'

/**
 * What an operator watches: health and readiness for the load balancer, Prometheus metrics on their
 * own address, and a request id that ties tapgate's log lines to the panel's.
 */
let panel: DemoPanel
let redis: RedisServer
let gateway: TestGateway | undefined

beforeAll(async () => {
  panel = await startDemoPanel()
  redis = await startRedis()
})
afterAll(async () => {
  await panel.close()
  await redis.stop()
})
afterEach(async () => {
  await gateway?.close()
  gateway = undefined
})

async function scrape(g: TestGateway): Promise<string> {
  if (g.metricsUrl === null) throw new Error('metrics are off')
  const response = await fetch(`${g.metricsUrl}/metrics`)
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return response.text()
}

/** The value of one sample, e.g. `tapgate_lockouts_total{subject="user"}`; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? 0 : Number(line.slice(series.length + 1))
}

describe('health and readiness', () => {
  it('is healthy while serving, and ready only while the store answers', async () => {
    const store = createRedisStore(redis.url, 'tapgate-observability:')
    gateway = await startTestGateway({ upstreamUrl: panel.url, store })
    const healthz = await fetch(`${gateway.url}/_tapgate/healthz`)
    expect(healthz.status).toBe(200)
    expect(await healthz.json()).toEqual({ status: 'ok' })
    expect((await fetch(`${gateway.url}/_tapgate/readyz`)).status).toBe(200)

    await redis.stop()
    try {
      const readyz = await fetch(`${gateway.url}/_tapgate/readyz`)
      expect(readyz.status).toBe(503)
      expect(await readyz.json()).toEqual({ status: 'store_unavailable' })
      expect((await fetch(`${gateway.url}/_tapgate/healthz`)).status).toBe(200)
    } finally {
      await redis.restart()
    }
  })
})

describe('metrics', () => {
  it('counts requests, sign-ins, lockouts and live sessions, on their own address only', async () => {
    gateway = await startTestGateway({ upstreamUrl: panel.url, config: { regulation: { max_failures: 3 } } })
    const browser = new BrowserClient(gateway.url)
    await enrollTotp(browser, gateway.clock)
    expect((await browser.get('/dashboard')).status).toBe(200)
    for (let attempt = 0; attempt < 3; attempt++) {
      await signInWithPassword(new BrowserClient(gateway.url), 'alice', 'wrong')
    }
    await new BrowserClient(gateway.url).get('/dashboard')

    const text = await scrape(gateway)
    const login = 'tapgate_login_attempts_total{step="first_factor",factor="password"'
    expect(sample(text, `${login},result="success"}`)).toBe(1)
    expect(sample(text, `${login},result="wrong_password"}`)).toBe(3)
    expect(
      sample(text, 'tapgate_login_attempts_total{step="enrollment",factor="totp",result="success"}'),
    ).toBe(1)
    expect(sample(text, 'tapgate_lockouts_total{subject="user_at_ip"}')).toBe(1)
    expect(sample(text, 'tapgate_requests_total{policy="two_factor",status="200"}')).toBe(1)
    expect(sample(text, 'tapgate_requests_total{policy="two_factor",status="302"}')).toBe(1)
    expect(sample(text, 'tapgate_active_sessions')).toBe(1)
    expect(sample(text, 'tapgate_upstream_response_seconds_count')).toBeGreaterThanOrEqual(5)
    expect(text).toContain('tapgate_process_cpu_seconds_total')
    // Labels never carry a username, path or address.
    expect(text).not.toMatch(/alice|demo|dashboard|127\.0\.0\.1/)

    // The public listener does not serve them: /metrics there is the panel's own path.
    expect(await (await fetch(`${gateway.url}/metrics`)).text()).not.toContain('tapgate_requests_total')
    await browser.get('/logout')
    expect(sample(await scrape(gateway), 'tapgate_active_sessions')).toBe(0)
  })

  it('are all still served while the store is down, with tapgate_store_up at 0 (issue 17)', async () => {
    const store = createRedisStore(redis.url, 'tapgate-observability-metrics:')
    gateway = await startTestGateway({ upstreamUrl: panel.url, store })
    const api = await fetch(`${gateway.url}/api/status`)
    const before = await scrape(gateway)
    expect(sample(before, 'tapgate_store_up')).toBe(1)
    expect(before).toMatch(/^tapgate_active_sessions 0$/m)
    expect(before).toMatch(/^tapgate_build_info\{version="\d+\.\d+\.\d+[^"]*"\} 1$/m)

    await redis.stop()
    try {
      const response = await fetch(`${gateway.metricsUrl}/metrics`)
      expect(response.status).toBe(200)
      const during = await response.text()
      expect(during).toMatch(/^tapgate_store_up 0$/m)
      expect(sample(during, `tapgate_requests_total{policy="bypass",status="${api.status}"}`)).toBe(1)
      expect(during).toContain('tapgate_process_cpu_seconds_total')
      expect(during).toMatch(/^tapgate_build_info\{version=/m)
      // A count the store cannot give is unknown, not zero.
      expect(during).toMatch(/^tapgate_active_sessions nan$/im)
    } finally {
      await redis.restart()
    }
  })

  it('can be turned off', async () => {
    gateway = await startTestGateway({ upstreamUrl: panel.url, config: { metrics: { enabled: false } } })
    expect(gateway.metricsUrl).toBeNull()
  })
})

describe('request ids', () => {
  let upstream: RecordingUpstream
  beforeAll(async () => {
    upstream = await startRecordingUpstream()
  })
  afterAll(() => upstream.close())

  it('gives each request an id the panel receives and the log lines carry; a client cannot choose it', async () => {
    gateway = await startTestGateway({ upstreamUrl: upstream.url })
    await fetch(`${gateway.url}/api/a`, { headers: { 'X-Request-Id': 'chosen-by-client' } })
    await fetch(`${gateway.url}/api/b`)
    const [first, second] = upstream.requests.slice(-2).map((r) => r.headers['x-request-id'])
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(second).toMatch(/^[0-9a-f-]{36}$/)
    expect(first).not.toBe(second)
  })

  it('keeps the id a trusted proxy assigned, and logs it with the sign-in', async () => {
    gateway = await startTestGateway({
      upstreamUrl: panel.url,
      config: { trusted_proxies: ['127.0.0.1/32'] },
    })
    await signInWithPassword(new BrowserClient(gateway.url, gateway.url, { 'X-Request-Id': 'lb-7f3a.91' }))
    const line = gateway.logs.find((l) => l.event === 'first_factor')
    expect(line).toMatchObject({ result: 'success', requestId: 'lb-7f3a.91' })
  })
})

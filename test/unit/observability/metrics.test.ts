import { describe, expect, it } from 'vitest'
import { Metrics } from '../../../gateway/observability/metrics.ts'

/** The value of one sample line of the Prometheus text, or undefined when the series is absent. */
async function sample(metrics: Metrics, series: string): Promise<number | undefined> {
  const line = (await metrics.registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('tapgate_requests_total', () => {
  it('counts each request by policy and status, and keeps its totals from one scrape to the next', async () => {
    const metrics = new Metrics({ processMetrics: false })
    metrics.countRequest('two_factor', 200)
    metrics.countRequest('two_factor', 200)
    metrics.countRequest('two_factor', 302)
    metrics.countRequest('bypass', 200)
    expect(await sample(metrics, 'tapgate_requests_total{policy="two_factor",status="200"}')).toBe(2)
    expect(await sample(metrics, 'tapgate_requests_total{policy="two_factor",status="302"}')).toBe(1)
    expect(await sample(metrics, 'tapgate_requests_total{policy="bypass",status="200"}')).toBe(1)

    metrics.countRequest('two_factor', 200)
    metrics.countRequest('deny', 403)
    expect(await sample(metrics, 'tapgate_requests_total{policy="two_factor",status="200"}')).toBe(3)
    expect(await sample(metrics, 'tapgate_requests_total{policy="two_factor",status="302"}')).toBe(1)
    expect(await sample(metrics, 'tapgate_requests_total{policy="deny",status="403"}')).toBe(1)
  })

  it("is in the registry's JSON too, which the primary sums its workers' from", async () => {
    const metrics = new Metrics({ processMetrics: false })
    metrics.countRequest('bypass', 204)
    const json = await metrics.registry.getMetricsAsJSON()
    const requests = json.find((metric) => metric.name === 'tapgate_requests_total')
    expect(requests?.values).toEqual([{ labels: { policy: 'bypass', status: 204 }, value: 1 }])
  })
})

// Child process: the load generator. autocannon is JavaScript on an event loop of its own; in the
// process of the servers it would steal their loop and blur every figure.
import autocannon from 'autocannon'
import { childInput, exitWhenAsked, type LoadInput, report } from './protocol.ts'

exitWhenAsked(async () => {})
const input = childInput<LoadInput>()

// autocannon's own percentiles are whole milliseconds; at a few ms that is too coarse, so keep
// the exact per-response times.
const latencies: number[] = []
const run = autocannon({
  url: input.url,
  connections: input.connections,
  headers: input.headers,
  duration: input.durationSeconds,
})
run.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.push(ms))
const result = await run

latencies.sort((a, b) => a - b)
await report({
  requests: result.requests.total,
  requestsPerSecond: result.requests.total / result.duration,
  p50Ms: percentile(latencies, 0.5),
  p99Ms: percentile(latencies, 0.99),
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
})
process.exit(0)

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN
}

// Child process: the load generator. autocannon is JavaScript on an event loop of its own; in the
// process of the servers it would steal their loop and blur every figure. One process serves every
// slice of a run, so its start-up and its JIT warm-up are not charged to whichever slice came first.
import autocannon from 'autocannon'
import { exitWhenAsked, type LoadInput, report } from './protocol.ts'

exitWhenAsked(async () => {})
// One run at a time: run.ts waits for each answer before it asks again.
process.on('message', (input: LoadInput) => void run(input).then(report))
await report({ ready: true })

async function run(input: LoadInput) {
  // autocannon's own percentiles are whole milliseconds; at a few ms that is too coarse, so keep
  // the exact per-response times.
  const latencies: number[] = []
  const instance = autocannon({
    url: input.url,
    connections: input.connections,
    headers: input.headers,
    duration: input.durationSeconds,
    // A run ends at the first sample after its duration: by default a whole second, which would
    // stretch a 0.5 s run to 1 s.
    sampleInt: 100,
  })
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) =>
    latencies.push(ms),
  )
  const result = await instance
  latencies.sort((a, b) => a - b)
  return {
    requests: result.requests.total,
    seconds: result.duration,
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  }
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN
}

/**
 * `npm run bench`: what tapgate costs as a proxy, next to the usual JavaScript reference, node's
 * http-proxy (LIBRARIES.md §11). Four targets, each behind the same upstream: the upstream itself,
 * http-proxy, tapgate on a bypass path, and tapgate on a two_factor path with a valid session
 * (one Redis read per request).
 *
 * Process layout: every server and the load generator run in processes of their own (redis-server,
 * upstream, reference proxy, tapgate, autocannon). In one process they would share one event loop,
 * so the load generator's work would be charged to whichever server was being measured, and the
 * proxy and its upstream would queue behind each other.
 *
 * CPU pinning: the machine has two cores. Unpinned, the load generator, the proxy and the upstream
 * compete for both, the scheduler's split changes from run to run, and the generator's and the
 * upstream's own cost per request dilutes the difference between two proxies (when they cost half
 * what the proxy does, a proxy needing 25% more CPU shows only ~14% fewer req/s). So the proxy
 * under test gets CPU 1 to itself and everything else (this script, redis-server, the upstream,
 * autocannon) shares CPU 0, which stays below saturation (seen: 60-75% busy while CPU 1 was at
 * ~100%): req/s then compares what the proxies cost per request.
 *
 * CPU µs/req: the server under test reports its own CPU time (all threads) before and after the
 * measured run. It is a second view of the same cost, not immune to noise: on a shared VM both
 * figures move by tens of percent between runs. Ratios within one run are the result; for a
 * decision use BENCH_ROUNDS=3 or more, which alternates the targets and reports medians.
 *
 * Environment: BENCH_DURATION seconds per target (8), BENCH_WARMUP seconds before each (2),
 * BENCH_CONNECTIONS (50), BENCH_ROUNDS (1; with more, targets take turns and the table shows
 * medians), BENCH_TARGETS to measure only some (e.g. "reference,two_factor"), BENCH_PIN=0 to turn
 * pinning off, and BENCH_PROFILE=<dir> to run tapgate with --cpu-prof, writing its profile there.
 */
import { cpus } from 'node:os'
import { resolve } from 'node:path'
import { startRedis } from '../support/redis.ts'
import { type Child, type ChildOptions, pinToCpu, startChild } from './children.ts'
import type { CpuUsed, LoadInput, LoadResult, Ready } from './protocol.ts'
import { upstreamBody } from './protocol.ts'

const TARGET_RATIO = 0.8
const SERVER_START_DEADLINE_MS = 30_000
const SHARED_CPU = 0
const PROXY_CPU = 1

interface Settings {
  durationSeconds: number
  warmupSeconds: number
  connections: number
  rounds: number
  only: Set<string> | null
  profileDir: string | null
  /** The proxies run on PROXY_CPU, everything else on SHARED_CPU. */
  pinned: boolean
}

interface Target {
  id: 'upstream' | 'reference' | 'bypass' | 'two_factor'
  label: string
  url: string
  /** The process whose CPU time this target costs. */
  server: Child<Ready>
  /** The request's headers: a browser's session cookie, or none for an API client. */
  headers: Record<string, string>
}

interface Measurement extends LoadResult {
  cpuMicrosPerRequest: number
}

type Cleanup = () => Promise<void>

const settings = readSettings()
const cleanups: Cleanup[] = []
let cleaning: Promise<void> | undefined
let interrupted = false

// Ctrl-C: stop everything in order (Redis's temp dir included), then exit. The run in progress
// fails as its children go away; that failure is expected and not reported.
process.once('SIGINT', () => interrupt(130))
process.once('SIGTERM', () => interrupt(143))

try {
  const targets = await startEverything(settings, cleanups)
  const chosen = targets.filter((target) => settings.only?.has(target.id) ?? true)
  // A misconfigured target (a redirect to the login page, a 502) would be measured as fast and
  // wrong; one request each first proves that every target really reaches the upstream.
  for (const target of chosen) await verify(target)
  const results = await measureInRounds(chosen, settings)
  printReport(results, settings)
  // The ratio is a finding, not a failure; failed requests mean the figures cannot be trusted.
  if ([...results.values()].some((r) => r.non2xx + r.errors + r.timeouts > 0)) process.exitCode = 1
} catch (error) {
  if (!interrupted) throw error
} finally {
  await cleanUp()
}

function interrupt(exitCode: number): void {
  interrupted = true
  void cleanUp().finally(() => process.exit(exitCode))
}

function readSettings(): Settings {
  const only = process.env.BENCH_TARGETS?.split(',').map((id) => id.trim())
  return {
    durationSeconds: positiveNumber('BENCH_DURATION', 8),
    warmupSeconds: positiveNumber('BENCH_WARMUP', 2),
    connections: positiveNumber('BENCH_CONNECTIONS', 50),
    rounds: positiveNumber('BENCH_ROUNDS', 1),
    only: only ? new Set(only) : null,
    profileDir: process.env.BENCH_PROFILE ? resolve(process.env.BENCH_PROFILE) : null,
    pinned: process.env.BENCH_PIN !== '0' && pinSelf(),
  }
}

function positiveNumber(name: string, fallback: number): number {
  const text = process.env[name]
  if (text === undefined || text === '') return fallback
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got '${text}'`)
  return value
}

/** Moves this process, and so every child it starts from now on, to SHARED_CPU; false if impossible. */
function pinSelf(): boolean {
  if (cpus().length <= PROXY_CPU) return false
  try {
    pinToCpu(process.pid, SHARED_CPU)
    return true
  } catch {
    process.stderr.write('taskset failed: running unpinned (install util-linux for steadier ratios)\n')
    return false
  }
}

/** Starts Redis and the three server children; each registers its cleanup as soon as it runs. */
async function startEverything(settings: Settings, cleanups: Cleanup[]) {
  const redis = await startRedis()
  cleanups.push(() => redis.stop())
  const upstream = await startServer('upstream.ts', {}, cleanups)
  const proxyCpu = settings.pinned ? PROXY_CPU : undefined
  const reference = await startServer('reference-proxy.ts', { upstreamUrl: upstream.message.url }, cleanups, {
    cpu: proxyCpu,
  })
  const tapgate = await startServer(
    'tapgate.ts',
    { upstreamUrl: upstream.message.url, redisUrl: redis.url },
    cleanups,
    {
      cpu: proxyCpu,
      nodeFlags: settings.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`] : [],
    },
  )
  const token = tapgate.message.sessionToken
  if (!token) throw new Error('the tapgate child reported no session token')

  // A browser's requests carry its session cookie; an API client (the bypass target) sends none, and
  // so costs tapgate no store read. The reference proxies get the same cookie as the browser.
  const browser = { cookie: `tapgate_session=${token}` }
  const targets: Target[] = [
    {
      id: 'upstream',
      label: 'upstream direct',
      url: `${upstream.message.url}/dashboard`,
      server: upstream,
      headers: browser,
    },
    {
      id: 'reference',
      label: 'reference proxy (http-proxy)',
      url: `${reference.message.url}/dashboard`,
      server: reference,
      headers: browser,
    },
    {
      id: 'bypass',
      label: 'tapgate, bypass (/api/x)',
      url: `${tapgate.message.url}/api/x`,
      server: tapgate,
      headers: {},
    },
    {
      id: 'two_factor',
      label: 'tapgate, two_factor (/dashboard)',
      url: `${tapgate.message.url}/dashboard`,
      server: tapgate,
      headers: browser,
    },
  ]
  return targets
}

async function startServer(
  script: string,
  input: object,
  cleanups: Cleanup[],
  options: Omit<ChildOptions, 'deadlineMs'> = {},
): Promise<Child<Ready>> {
  const child = await startChild<Ready>(script, input, { deadlineMs: SERVER_START_DEADLINE_MS, ...options })
  cleanups.push(child.stop)
  return child
}

async function verify(target: Target): Promise<void> {
  const response = await fetch(target.url, { headers: target.headers, redirect: 'manual' })
  const body = await response.text()
  if (response.status !== 200 || body !== upstreamBody) {
    const location = response.headers.get('location')
    throw new Error(
      `${target.label}: expected 200 with the upstream's body, got ${response.status}` +
        (location ? ` redirecting to ${location}` : ` with ${body.length} bytes: ${body.slice(0, 120)}`),
    )
  }
}

/** Each round measures every target once, starting one further along, so no target always goes first. */
async function measureInRounds(targets: Target[], settings: Settings) {
  const runs = new Map<Target, Measurement[]>(targets.map((target) => [target, []]))
  for (let round = 0; round < settings.rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(round + i) % targets.length] as Target
      process.stderr.write(`round ${round + 1}/${settings.rounds}: ${target.label} ...\n`)
      runs.get(target)?.push(await measure(target, settings))
    }
  }
  return new Map(targets.map((target) => [target, summarize(runs.get(target) ?? [])]))
}

async function measure(target: Target, settings: Settings) {
  // Warm-up: JIT, pooled upstream sockets and the Redis connection settle before anything counts.
  await runLoad(target, settings.warmupSeconds, settings)
  const before = await target.server.ask<CpuUsed>({ type: 'cpu' })
  const result = await runLoad(target, settings.durationSeconds, settings)
  const after = await target.server.ask<CpuUsed>({ type: 'cpu' })
  return { ...result, cpuMicrosPerRequest: (after.cpuMicros - before.cpuMicros) / result.requests }
}

/** A fresh load child per run, so one target's generator state never carries over to the next. */
async function runLoad(target: Target, seconds: number, settings: Settings) {
  const input: LoadInput = {
    url: target.url,
    headers: target.headers,
    connections: settings.connections,
    durationSeconds: seconds,
  }
  const deadlineMs = seconds * 1_000 + SERVER_START_DEADLINE_MS
  const load = await startChild<LoadResult>('load.ts', input, { deadlineMs })
  await load.stop()
  return load.message
}

/** Medians of the figures (one run gives itself); failures are summed, since any one of them counts. */
function summarize(runs: Measurement[]): Measurement {
  const median = (pick: (m: Measurement) => number) => {
    const values = runs.map(pick).sort((a, b) => a - b)
    const middle = Math.floor(values.length / 2)
    return values.length % 2 ? (values[middle] ?? 0) : ((values[middle - 1] ?? 0) + (values[middle] ?? 0)) / 2
  }
  const sum = (pick: (m: Measurement) => number) => runs.reduce((total, m) => total + pick(m), 0)
  return {
    requests: sum((m) => m.requests),
    requestsPerSecond: median((m) => m.requestsPerSecond),
    p50Ms: median((m) => m.p50Ms),
    p99Ms: median((m) => m.p99Ms),
    cpuMicrosPerRequest: median((m) => m.cpuMicrosPerRequest),
    non2xx: sum((m) => m.non2xx),
    errors: sum((m) => m.errors),
    timeouts: sum((m) => m.timeouts),
  }
}

function printReport(results: Map<Target, Measurement>, settings: Settings): void {
  const byId = (id: Target['id']) => [...results].find(([target]) => target.id === id)?.[1]
  const reference = byId('reference')
  const rows = [...results].map(([target, r]) => [
    target.label,
    Math.round(r.requestsPerSecond).toString(),
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
    formatRatio(reference ? r.requestsPerSecond / reference.requestsPerSecond : Number.NaN),
    Math.round(r.cpuMicrosPerRequest).toString(),
    r.non2xx.toString(),
    (r.errors + r.timeouts).toString(),
  ])
  const layout = settings.pinned ? `proxy on CPU ${PROXY_CPU}, the rest on CPU ${SHARED_CPU}` : 'unpinned'
  const rounds = settings.rounds > 1 ? `, median of ${settings.rounds} rounds` : ''
  console.log(
    [
      `node ${process.version}, ${cpus().length} cores, ${settings.connections} connections, 1 KB GET, ` +
        `${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s per target${rounds}, ${layout}`,
      '',
      tableRow(['target', 'req/s', 'p50 ms', 'p99 ms', '÷ reference', 'CPU µs/req', 'non-2xx', 'errors']),
      tableRow(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
      ...rows.map(tableRow),
      '',
      verdict(reference, byId('two_factor'), settings.rounds),
    ].join('\n'),
  )
}

function tableRow(cells: string[]): string {
  return `| ${cells.join(' | ')} |`
}

function verdict(
  reference: Measurement | undefined,
  twoFactor: Measurement | undefined,
  rounds: number,
): string {
  if (!reference || !twoFactor)
    return 'tapgate two_factor vs reference: not measured in this run (BENCH_TARGETS).'
  const ratio = twoFactor.requestsPerSecond / reference.requestsPerSecond
  const cpuRatio = reference.cpuMicrosPerRequest / twoFactor.cpuMicrosPerRequest
  const outcome = ratio >= TARGET_RATIO ? 'meets' : 'does NOT meet'
  return (
    `tapgate two_factor: ${formatRatio(ratio)} the reference proxy's req/s, which ${outcome} the ` +
    `≥ ${TARGET_RATIO.toFixed(2)}× target (by CPU per request: ${formatRatio(cpuRatio)}).` +
    (rounds === 1 ? ' One round only: use BENCH_ROUNDS=3 before deciding anything on it.' : '')
  )
}

function formatRatio(ratio: number): string {
  return Number.isNaN(ratio) ? '–' : `${ratio.toFixed(2)}×`
}

/**
 * Last started, first stopped; one failing cleanup must not leave the others running. Called from
 * both the signal handler and the main flow, so it runs once and both wait for it.
 */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => console.error('cleanup failed:', error))
    }
  })()
  return cleaning
}

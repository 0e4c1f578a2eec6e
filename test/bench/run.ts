/**
 * `npm run bench`: what tapgate costs as a proxy, next to the usual JavaScript reference, node's
 * http-proxy (LIBRARIES.md §11). Four targets, each behind the same upstream: the upstream itself,
 * http-proxy, tapgate on a bypass path, and tapgate on a two_factor path with a valid session
 * (one Redis read per request). tapgate is the compiled bundle run as production runs it
 * (tapgate-process.ts), rebuilt first when its sources have changed.
 *
 * Process layout: every server and the load generator run in processes of their own (redis-server,
 * upstream, reference proxy, tapgate, autocannon). In one process they would share one event loop,
 * so the load generator's work would be charged to whichever server was being measured, and the
 * proxy and its upstream would queue behind each other.
 *
 * CPU pinning: the machine has two cores. Unpinned, the load generator, the proxy and the upstream
 * compete for both, the scheduler's split changes from run to run, and the generator's and the
 * upstream's own cost per request dilutes the difference between two proxies (when they cost half
 * what the proxy does, a proxy needing 25% more CPU shows only ~14% fewer req/s). So both proxies
 * get CPU 1, which they use in turn, and everything else (this script, redis-server, the upstream,
 * autocannon) shares CPU 0, which stays below saturation (seen: 60-75% busy while CPU 1 was at
 * ~100%): req/s then compares what the proxies cost per request.
 *
 * Paired slices: how fast the machine is moves by tens of percent between runs and within one (a
 * shared VM, other jobs), so a target measured for a while and then the reference for a while
 * compares two different machines. Instead, after a warm-up of each target, short slices alternate
 * (schedule.ts): each slice of another target stands between two of the reference, and its ratio
 * is taken to those two. The table shows the median of these ratios and how far the farthest one
 * lies from it (summary.ts). This takes out drifts slower than a slice; other jobs that take turns
 * on CPU 1 within seconds still move req/s (seen: the proxy got 60-99% of it from slice to slice on
 * a busy machine), hence the same pairing of CPU time per request beside it.
 *
 * CPU µs/req: the CPU time each server used during its slices (read from /proc, cpu-time.ts) per
 * request answered, and that as a multiple of the upstream's when loaded directly. The upstream
 * does the same small work in every run, so its cost per request is a yardstick of the machine's
 * speed (seen: 23-25 µs in runs where http-proxy's moved between 111 and 196). Not its cost while
 * behind a proxy: that depends on the rate the proxy drives it at (fewer requests per wake-up).
 *
 * Environment: BENCH_DURATION seconds per slice (3), BENCH_WARMUP seconds per target before the
 * first slice (2), BENCH_CONNECTIONS (50), BENCH_ROUNDS (5: each target gets that many slices, and
 * so that many pairs), BENCH_TARGETS to measure only some (e.g. "two_factor"; the reference and the
 * upstream are always measured), BENCH_PIN=0 to turn pinning off, BENCH_JSON=<file> for the JSON
 * copy of the table (test-artifacts/bench.json), and BENCH_PROFILE=<dir> to run tapgate with
 * --cpu-prof, writing its profile there when it stops.
 */
import { cpus } from 'node:os'
import { type RedisServer, startRedis } from '../support/redis.ts'
import { verifiedBrowserCookie } from './bench-session.ts'
import { type Child, pinToCpu, startChild } from './children.ts'
import { buildCompiledGateway } from './compiled-gateway.ts'
import { cpuMicros } from './cpu-time.ts'
import {
  cookieEchoPath,
  type Listening,
  type LoadInput,
  type LoadReady,
  type LoadResult,
  upstreamBody,
} from './protocol.ts'
import { hasFailures, printTable, type RunDescription, writeJson } from './report.ts'
import { pairedSchedule } from './schedule.ts'
import { readSettings, type TargetId, targetIds } from './settings.ts'
import { type Slice, summarize } from './summary.ts'
import { panelCookieName, startTapgate } from './tapgate-process.ts'

const START_DEADLINE_MS = 30_000
const SHARED_CPU = 0
const PROXY_CPU = 1

interface Target {
  id: TargetId
  label: string
  url: string
  /** The process whose CPU time this target costs. */
  pid: number
  /** The request's headers: a browser's session cookie, or none for an API client. */
  headers: Record<string, string>
}

interface Bench {
  /** In targetIds order. */
  targets: Target[]
  load: Child<LoadReady>
}

type Cleanup = () => Promise<void>

const settings = readSettings(process.env)
const pinned = settings.pin && pinSelf()
const run: RunDescription = {
  settings,
  layout: pinned ? `proxies on CPU ${PROXY_CPU}, the rest on CPU ${SHARED_CPU}` : 'unpinned',
}
const cleanups: Cleanup[] = []
let cleaning: Promise<void> | undefined
let interrupted = false

// Ctrl-C: stop everything in order (Redis's temp dir included), then exit. The run in progress
// fails as its children go away; that failure is expected and not reported.
process.once('SIGINT', () => interrupt(130))
process.once('SIGTERM', () => interrupt(143))

try {
  const bench = await startEverything()
  // A misconfigured target (a redirect to the login page, a 502) would be measured as fast and
  // wrong; one request each first proves that every target really reaches the upstream.
  for (const target of bench.targets) await verify(target)
  const slices = await measure(bench)
  const summaries = summarize(slices, bench.targets)
  await writeJson(summaries, slices, run)
  printTable(summaries, run)
  // A ratio is a finding, not a failure; failed requests mean the figures cannot be trusted.
  if (hasFailures(summaries)) process.exitCode = 1
} catch (error) {
  if (!interrupted) throw error
} finally {
  await cleanUp()
  if (settings.profileDir) process.stderr.write(`tapgate's CPU profile is in ${settings.profileDir}\n`)
}

function interrupt(exitCode: number): void {
  interrupted = true
  void cleanUp().finally(() => process.exit(exitCode))
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

/** Starts every process, those that need nothing from each other at once; each registers its cleanup. */
async function startEverything(): Promise<Bench> {
  const [bundle, redis, upstream, load] = await allStarted([
    buildCompiledGateway(),
    startRedis().then((server) => registered(server, () => server.stop())),
    startServer('upstream.ts', undefined, undefined),
    startChild<LoadReady>('load.ts', { deadlineMs: START_DEADLINE_MS }).then((child) =>
      registered(child, child.stop),
    ),
  ] as const)
  const proxyCpu = pinned ? PROXY_CPU : undefined
  const [reference, tapgate] = await allStarted([
    startServer('reference-proxy.ts', { upstreamUrl: upstream.message.url }, proxyCpu),
    startTapgateProcess(bundle, upstream.message.url, redis),
  ] as const)

  // A browser's requests carry its session cookie; an API client (the bypass target) sends none, and
  // so costs tapgate no store read. The reference proxy gets the same cookie as the browser.
  const panelSession = 'bench-panel-session'
  const cookie = await verifiedBrowserCookie(tapgate.config, 'bench', { [panelCookieName]: panelSession })
  await verifyPanelCookie(tapgate.url, cookie, `${panelCookieName}=${panelSession}`)
  const browser = { cookie }
  const all: Record<TargetId, Target> = {
    upstream: {
      id: 'upstream',
      label: 'upstream direct',
      url: `${upstream.message.url}/dashboard`,
      pid: upstream.pid,
      headers: browser,
    },
    reference: {
      id: 'reference',
      label: 'reference proxy (http-proxy)',
      url: `${reference.message.url}/dashboard`,
      pid: reference.pid,
      headers: browser,
    },
    bypass: {
      id: 'bypass',
      label: 'tapgate, bypass (/api/x)',
      url: `${tapgate.url}/api/x`,
      pid: tapgate.pid,
      headers: {},
    },
    two_factor: {
      id: 'two_factor',
      label: 'tapgate, two_factor (/dashboard)',
      url: `${tapgate.url}/dashboard`,
      pid: tapgate.pid,
      headers: browser,
    },
  }
  return {
    targets: targetIds.filter((id) => settings.targets.has(id)).map((id) => all[id]),
    load,
  }
}

function startServer(
  script: string,
  input: object | undefined,
  cpu: number | undefined,
): Promise<Child<Listening>> {
  return startChild<Listening>(script, { input, deadlineMs: START_DEADLINE_MS, cpu }).then((child) =>
    registered(child, child.stop),
  )
}

async function startTapgateProcess(bundle: string, upstreamUrl: string, redis: RedisServer) {
  const tapgate = await startTapgate({
    bundle,
    upstreamUrl,
    redisUrl: redis.url,
    nodeFlags: settings.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`] : [],
  })
  registered(tapgate, tapgate.stop)
  if (pinned) pinToCpu(tapgate.pid, PROXY_CPU)
  return tapgate
}

/** Registers the cleanup of what has just started, and passes it on. */
function registered<T>(started: T, cleanup: Cleanup): T {
  cleanups.push(cleanup)
  return started
}

/**
 * Like Promise.all, but settles every start before throwing the first failure: what did start has
 * registered its cleanup by then, so nothing is left running.
 */
async function allStarted<T extends readonly unknown[]>(
  starts: {
    readonly [K in keyof T]: Promise<T[K]>
  },
): Promise<T> {
  const outcomes = await Promise.allSettled(starts)
  const failed = outcomes.find((outcome) => outcome.status === 'rejected')
  if (failed) throw failed.reason
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as unknown as T
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

/** The minted session must bring the panel its cookie, or two_factor would cost less than a real session. */
async function verifyPanelCookie(tapgateUrl: string, cookie: string, expected: string): Promise<void> {
  const response = await fetch(`${tapgateUrl}${cookieEchoPath}`, { headers: { cookie }, redirect: 'manual' })
  const received = await response.text()
  if (response.status !== 200 || !received.split('; ').includes(expected)) {
    throw new Error(`tapgate did not send the session's panel cookie: ${response.status}, '${received}'`)
  }
}

/** Warms every target up, then runs the paired slices; the slices in the order they ran. */
async function measure({ targets, load }: Bench): Promise<Slice[]> {
  for (const target of targets) {
    process.stderr.write(`warm-up: ${target.label} ...\n`)
    await runLoad(load, target, settings.warmupSeconds)
  }
  const reference = targets.find((target) => target.id === 'reference') as Target
  const order = pairedSchedule(
    reference,
    targets.filter((target) => target !== reference),
    settings.rounds,
  )
  const slices: Slice[] = []
  for (const [index, target] of order.entries()) {
    process.stderr.write(`slice ${index + 1}/${order.length}: ${target.label} ...\n`)
    const before = cpuMicros(target.pid)
    const result = await runLoad(load, target, settings.sliceSeconds)
    slices.push({ ...result, target: target.id, cpuMicros: cpuMicros(target.pid) - before })
  }
  return slices
}

function runLoad(load: Child<LoadReady>, target: Target, seconds: number): Promise<LoadResult> {
  const input: LoadInput = {
    url: target.url,
    headers: target.headers,
    connections: settings.connections,
    durationSeconds: seconds,
  }
  return load.ask(input, seconds * 1_000 + START_DEADLINE_MS)
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

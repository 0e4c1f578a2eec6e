/**
 * `npm run bench`: what tapgate costs as a proxy, next to the usual JavaScript reference, node's
 * http-proxy (LIBRARIES.md §11). Pinned targets, each behind the same upstream: the upstream itself,
 * http-proxy, a bare proxy on tapgate's own HTTP server and client that checks nothing (the ceiling
 * of this stack, bare-proxy.ts), tapgate on a bypass path, and tapgate on a two_factor path with a
 * valid session (one Redis read per request). Unpinned targets: a second http-proxy, and tapgate with
 * server.workers: 2 on the two_factor path. tapgate is the compiled bundle run as production runs it
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
 * what the proxy does, a proxy needing 25% more CPU shows only ~14% fewer req/s). So the pinned
 * proxies get CPU 1, which they use in turn, and everything else (this script, redis-server, the
 * upstream, autocannon) shares CPU 0, which stays below saturation (seen: 60-75% busy while CPU 1 was
 * at ~100%): req/s then compares what the proxies cost per request.
 *
 * Paired slices: how fast the machine is moves by tens of percent between runs and within one (a
 * shared VM, other jobs), so a target measured for a while and then the reference for a while
 * compares two different machines. Instead, after a warm-up of each target, short slices alternate
 * (schedule.ts): each slice of another target stands between two of its reference's, and its ratio
 * is taken to those two. The table shows the median of these ratios and how far the farthest one
 * lies from it (summary.ts). This takes out drifts slower than a slice; other jobs that take turns
 * on CPU 1 within seconds still move req/s (seen: the proxy got 60-99% of it from slice to slice on
 * a busy machine), hence the same pairing of CPU time per request beside it.
 *
 * Unpinned targets: workers are there to use more than one core, so the workers target's processes
 * (the primary and each worker) are free on both CPUs, and so is their reference, a second
 * http-proxy; the two are paired with each other as the pinned targets are with theirs. The rest
 * stays on CPU 0, so there the unpinned targets share a core with autocannon, the upstream and Redis,
 * which need more of it the faster they are driven: a different yardstick than the pinned rows'.
 * Issue 18's scaling check, workers ÷ one worker, takes each round's workers slice over its pinned
 * two_factor slice, which had a core to itself (summary.ts); beside it, the cores each kept busy and
 * their CPU µs/req tell a shortfall of cores (the machine's) from a cost per request that grew
 * (seen: 2 workers kept 1.3-1.45 cores busy at 215-250 µs/req, one worker 0.98 at 150-180).
 *
 * CPU µs/req: the CPU time each server used during its slices (read from /proc, cpu-time.ts) per
 * request answered, and that as a multiple of the upstream's when loaded directly. The upstream
 * does the same small work in every run, so its cost per request is a yardstick of the machine's
 * speed (seen: 23-25 µs in runs where http-proxy's moved between 111 and 196). Not its cost while
 * behind a proxy: that depends on the rate the proxy drives it at (fewer requests per wake-up).
 * Cores busy: that CPU time ÷ the slices' duration, how much of the CPUs it may use the target got.
 *
 * Environment: BENCH_DURATION seconds per slice (3), BENCH_WARMUP seconds per target (per worker
 * for the workers target) before the first slice (2), BENCH_CONNECTIONS (50), BENCH_ROUNDS (5: each
 * target gets that many slices, and so that many pairs), BENCH_TARGETS to measure only some (e.g.
 * "two_factor,two_factor_workers"; the reference, the upstream and each chosen target's reference are
 * always measured), BENCH_PIN=0 to turn pinning off (then every row is unpinned), BENCH_JSON=<file>
 * for the JSON copy of the table (test-artifacts/bench.json), and BENCH_PROFILE=<dir> to run tapgate
 * with --cpu-prof, writing its profiles there (one per process, workers included) when it stops.
 */
import { cpus } from 'node:os'
import { type RedisServer, startRedis } from '../support/redis.ts'
import { verifiedBrowserCookie } from './bench-session.ts'
import { type Child, startChild } from './children.ts'
import { buildCompiledGateway } from './compiled-gateway.ts'
import { cpusOf, pinToCpus } from './cpu-affinity.ts'
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
import { readSettings, referenceOf, type TargetId, targetIds } from './settings.ts'
import { type Slice, summarize } from './summary.ts'
import { panelCookieName, startTapgate, type TapgateProcess } from './tapgate-process.ts'

const START_DEADLINE_MS = 30_000
const SHARED_CPU = 0
const PROXY_CPU = 1
/** The workers target's server.workers: one per core of the two-core machine the bench is run on. */
const WORKERS = 2
/** The panel's session in the verified session's jar, which tapgate must bring it. */
const PANEL_SESSION = 'bench-panel-session'

interface Target {
  id: TargetId
  label: string
  url: string
  /** The processes whose CPU time this target costs: a gateway's primary and its workers. */
  pids: number[]
  /** How many of them serve requests (1 if unsaid), each with a JIT of its own to warm up. */
  servers?: number
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
/** The CPUs this process was started with, where the unpinned targets run; null when nothing is pinned. */
const everyCpu = settings.pin ? pinSelf() : null
const pinned = everyCpu !== null
const run: RunDescription = {
  settings,
  layout: pinned
    ? `pinned proxies on CPU ${PROXY_CPU}, unpinned ones on CPUs ${everyCpu}, the rest on CPU ${SHARED_CPU}`
    : 'unpinned',
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
  const summary = summarize(slices, bench.targets)
  await writeJson(summary, slices, run)
  printTable(summary, run)
  // A ratio is a finding, not a failure; failed requests mean the figures cannot be trusted.
  if (hasFailures(summary)) process.exitCode = 1
} catch (error) {
  if (!interrupted) throw error
} finally {
  await cleanUp()
  if (settings.profileDir) process.stderr.write(`tapgate's CPU profiles are in ${settings.profileDir}\n`)
}

function interrupt(exitCode: number): void {
  interrupted = true
  void cleanUp().finally(() => process.exit(exitCode))
}

/**
 * Moves this process, and so every child it starts from now on, to SHARED_CPU; returns the CPUs it
 * had before, or null if impossible.
 */
function pinSelf(): string | null {
  if (cpus().length <= PROXY_CPU) return null
  try {
    const before = cpusOf(process.pid)
    pinToCpus(process.pid, String(SHARED_CPU))
    return before
  } catch {
    process.stderr.write('taskset failed: running unpinned (install util-linux for steadier ratios)\n')
    return null
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
  const upstreamUrl = upstream.message.url
  const proxyCpu = pinned ? String(PROXY_CPU) : undefined
  const freeCpus = everyCpu ?? undefined
  const [reference, bare, tapgate, referenceUnpinned, tapgateWorkers] = await allStarted([
    startServer('reference-proxy.ts', { upstreamUrl }, proxyCpu),
    settings.targets.has('bare')
      ? startServer('bare-proxy.ts', { upstreamUrl }, proxyCpu)
      : Promise.resolve(null),
    startTapgateProcess(bundle, upstreamUrl, redis, 1, proxyCpu),
    // Only when chosen: idle, they would still hold memory and start-up time.
    settings.targets.has('reference_unpinned')
      ? startServer('reference-proxy.ts', { upstreamUrl }, freeCpus)
      : Promise.resolve(null),
    settings.targets.has('two_factor_workers')
      ? startTapgateProcess(bundle, upstreamUrl, redis, WORKERS, freeCpus)
      : Promise.resolve(null),
  ] as const)

  // A browser's requests carry its session cookie; an API client (the bypass target) sends none, and
  // so costs tapgate no store read. The reference proxies get the same cookie as the browser.
  const browser = await signedInBrowser(tapgate)
  const all: Partial<Record<TargetId, Target>> = {
    upstream: {
      id: 'upstream',
      label: 'upstream direct',
      url: `${upstreamUrl}/dashboard`,
      pids: [upstream.pid],
      headers: browser,
    },
    reference: {
      id: 'reference',
      label: 'reference proxy (http-proxy)',
      url: `${reference.message.url}/dashboard`,
      pids: [reference.pid],
      headers: browser,
    },
    ...(bare && {
      bare: {
        id: 'bare',
        label: 'bare proxy (node:http + undici), checks nothing',
        url: `${bare.message.url}/dashboard`,
        pids: [bare.pid],
        headers: browser,
      },
    }),
    bypass: {
      id: 'bypass',
      label: 'tapgate, bypass (/api/x)',
      url: `${tapgate.url}/api/x`,
      pids: tapgate.pids,
      headers: {},
    },
    two_factor: {
      id: 'two_factor',
      label: 'tapgate, two_factor (/dashboard)',
      url: `${tapgate.url}/dashboard`,
      pids: tapgate.pids,
      headers: browser,
    },
    ...(referenceUnpinned && {
      reference_unpinned: {
        id: 'reference_unpinned',
        label: 'reference proxy (http-proxy), unpinned',
        url: `${referenceUnpinned.message.url}/dashboard`,
        pids: [referenceUnpinned.pid],
        headers: browser,
      },
    }),
    ...(tapgateWorkers && {
      two_factor_workers: {
        id: 'two_factor_workers',
        label: `tapgate, two_factor, ${WORKERS} workers, unpinned`,
        url: `${tapgateWorkers.url}/dashboard`,
        pids: tapgateWorkers.pids,
        servers: WORKERS,
        // Its own session: each gateway seals the panel's cookies with its own key.
        headers: await signedInBrowser(tapgateWorkers),
      },
    }),
  }
  return {
    targets: targetIds.filter((id) => settings.targets.has(id)).flatMap((id) => all[id] ?? []),
    load,
  }
}

function startServer(
  script: string,
  input: object | undefined,
  cpus: string | undefined,
): Promise<Child<Listening>> {
  return startChild<Listening>(script, { input, deadlineMs: START_DEADLINE_MS, cpus }).then((child) =>
    registered(child, child.stop),
  )
}

async function startTapgateProcess(
  bundle: string,
  upstreamUrl: string,
  redis: RedisServer,
  workers: number,
  cpus: string | undefined,
): Promise<TapgateProcess> {
  const tapgate = await startTapgate({
    bundle,
    upstreamUrl,
    redisUrl: redis.url,
    workers,
    nodeFlags: settings.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`] : [],
  })
  registered(tapgate, tapgate.stop)
  // Forked from a primary on this process's CPU, each worker inherited it: each is moved itself.
  if (cpus !== undefined) for (const pid of tapgate.pids) pinToCpus(pid, cpus)
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

/** The headers of a browser holding a verified session with `tapgate`, which brings the panel its cookie. */
async function signedInBrowser(tapgate: TapgateProcess): Promise<Record<string, string>> {
  const cookie = await verifiedBrowserCookie(tapgate.config, 'bench', { [panelCookieName]: PANEL_SESSION })
  await verifyPanelCookie(tapgate.url, cookie, `${panelCookieName}=${PANEL_SESSION}`)
  return { cookie }
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
    await runLoad(load, target, settings.warmupSeconds * (target.servers ?? 1))
  }
  const references = targets.filter((target) => referenceOf[target.id] === target.id)
  const order = pairedSchedule(
    references.map((reference) => ({
      reference,
      others: targets.filter((target) => target !== reference && referenceOf[target.id] === reference.id),
    })),
    settings.rounds,
  )
  const slices: Slice[] = []
  for (const [index, target] of order.entries()) {
    process.stderr.write(`slice ${index + 1}/${order.length}: ${target.label} ...\n`)
    const before = cpuMicros(target.pids)
    const result = await runLoad(load, target, settings.sliceSeconds)
    slices.push({ ...result, target: target.id, cpuMicros: cpuMicros(target.pids) - before })
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

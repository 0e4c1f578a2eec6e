import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Every target, in the table's order (and, but for the references, a round's). */
export const targetIds = [
  'upstream',
  'reference',
  'bare',
  'bypass',
  'two_factor',
  'reference_unpinned',
  'two_factor_workers',
] as const
export type TargetId = (typeof targetIds)[number]

/**
 * The reference each target's slices stand between (schedule.ts) and are divided by (summary.ts): the
 * pinned targets' is http-proxy on the proxies' CPU; the unpinned ones' a second http-proxy, free on
 * every CPU as they are, since a process that may use two cores is not compared with one held to one.
 * A reference is its own.
 */
export const referenceOf: Readonly<Record<TargetId, TargetId>> = {
  upstream: 'reference',
  reference: 'reference',
  bare: 'reference',
  bypass: 'reference',
  two_factor: 'reference',
  reference_unpinned: 'reference_unpinned',
  two_factor_workers: 'reference_unpinned',
}

export interface Settings {
  sliceSeconds: number
  warmupSeconds: number
  connections: number
  rounds: number
  /**
   * The targets to measure; always with the reference and the upstream, whose CPU time per request is
   * the yardstick for the others', and with the reference of each one chosen.
   */
  targets: ReadonlySet<TargetId>
  profileDir: string | null
  jsonFile: string
  /** Whether to pin the proxies to one CPU and everything else to another (run.ts's header). */
  pin: boolean
}

const defaultJsonFile = fileURLToPath(new URL('../../test-artifacts/bench.json', import.meta.url))

/** The BENCH_* environment variables, described in run.ts's header. */
export function readSettings(env: NodeJS.ProcessEnv): Settings {
  return {
    sliceSeconds: positiveNumber(env, 'BENCH_DURATION', 3),
    warmupSeconds: positiveNumber(env, 'BENCH_WARMUP', 2),
    connections: positiveInteger(env, 'BENCH_CONNECTIONS', 50),
    rounds: positiveInteger(env, 'BENCH_ROUNDS', 5),
    targets: chosenTargets(env.BENCH_TARGETS),
    profileDir: env.BENCH_PROFILE ? resolve(env.BENCH_PROFILE) : null,
    jsonFile: env.BENCH_JSON ? resolve(env.BENCH_JSON) : defaultJsonFile,
    pin: env.BENCH_PIN !== '0',
  }
}

function chosenTargets(list: string | undefined): ReadonlySet<TargetId> {
  if (!list) return new Set(targetIds)
  const chosen = new Set<TargetId>(['reference', 'upstream'])
  for (const id of list.split(',').map((item) => item.trim())) {
    if (!targetIds.includes(id as TargetId)) {
      throw new Error(`BENCH_TARGETS: unknown target '${id}' (known: ${targetIds.join(', ')})`)
    }
    chosen.add(id as TargetId).add(referenceOf[id as TargetId])
  }
  return chosen
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name]
  if (text === undefined || text === '') return fallback
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got '${text}'`)
  return value
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = positiveNumber(env, name, fallback)
  if (!Number.isInteger(value)) throw new Error(`${name} must be a whole number, got '${env[name]}'`)
  return value
}

import type { LoadResult } from './protocol.ts'
import { referenceOf, type TargetId } from './settings.ts'

/** One measured slice, in the order they ran. */
export interface Slice extends LoadResult {
  target: TargetId
  /** CPU time the target's server processes used during the slice, in µs. */
  cpuMicros: number
}

/** A median and how far the figures it was taken of lie from it. */
export interface Spread {
  median: number
  min: number
  max: number
  /** The farther of min and max from the median, in percent of the median. */
  spreadPercent: number
}

export interface TargetSummary {
  id: TargetId
  label: string
  /** Whose CPU time is summed: 1, or a gateway's primary and its workers. */
  processes: number
  slices: number
  /** Medians over the target's slices. */
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  /**
   * Per pair, the target's req/s ÷ the mean of its reference's slices beside it (referenceOf). For a
   * reference itself: each of its slices ÷ their median, which shows how much the machine moved.
   */
  ratioToReference: Spread
  /** Over all the target's slices: its server's CPU time ÷ the requests answered. */
  cpuMicrosPerRequest: number
  /**
   * Over all the target's slices: its server's CPU time ÷ their duration, the cores it kept busy. Up to
   * 1 for a process held to one CPU; what the workers got of the cores they share with the rest.
   */
  coresBusy: number
  /**
   * Per pair, as ratioToReference, of CPU µs per request: a cost, so lower is better. Steadier than
   * req/s when other processes take turns on the proxies' CPU, as they cost the proxy its time
   * there but hardly its CPU time per request.
   */
  cpuRatioToReference: Spread
  /**
   * cpuMicrosPerRequest ÷ the upstream's when loaded directly: the same work every time, so a
   * yardstick for how fast the machine was during the run.
   */
  cpuRatioToUpstream: number
  non2xx: number
  /** Connection errors and timeouts. */
  errors: number
}

export interface Summary {
  targets: TargetSummary[]
  /**
   * Issue 18's scaling check, when both were measured: per round, the req/s of the workers target's
   * slice ÷ that of the one-worker target's (two_factor). The two are not beside each other, as each
   * stands between its own reference's slices, but a few slices apart in the same round.
   */
  workersPerOneWorker: Spread | null
}

export function summarize(
  slices: readonly Slice[],
  targets: readonly { id: TargetId; label: string; pids: readonly number[] }[],
): Summary {
  const upstreamCpuPerRequest = cpuPerRequest(slices.filter((slice) => slice.target === 'upstream'))
  return {
    targets: targets.map(({ id, label, pids }): TargetSummary => {
      const own = slices.filter((slice) => slice.target === id)
      return {
        id,
        label,
        processes: pids.length,
        slices: own.length,
        requestsPerSecond: median(own.map((slice) => slice.requestsPerSecond)),
        p50Ms: median(own.map((slice) => slice.p50Ms)),
        p99Ms: median(own.map((slice) => slice.p99Ms)),
        ratioToReference: toReference(slices, id, (slice) => slice.requestsPerSecond),
        cpuMicrosPerRequest: cpuPerRequest(own),
        coresBusy: sum(own, (slice) => slice.cpuMicros) / sum(own, (slice) => slice.seconds * 1_000_000),
        cpuRatioToReference: toReference(slices, id, (slice) => cpuPerRequest([slice])),
        cpuRatioToUpstream: cpuPerRequest(own) / upstreamCpuPerRequest,
        non2xx: sum(own, (slice) => slice.non2xx),
        errors: sum(own, (slice) => slice.errors + slice.timeouts),
      }
    }),
    workersPerOneWorker: perRound(slices, 'two_factor_workers', 'two_factor'),
  }
}

/** Totals rather than a median of slices: a slice's CPU time is read in whole clock ticks. */
function cpuPerRequest(slices: readonly Slice[]): number {
  return sum(slices, (slice) => slice.cpuMicros) / sum(slices, (slice) => slice.requests)
}

function sum(slices: readonly Slice[], pick: (slice: Slice) => number): number {
  return slices.reduce((total, slice) => total + pick(slice), 0)
}

/**
 * A figure of each slice of the target ÷ the same figure of its reference's slices right before and
 * after it; for a reference, each of its slices ÷ their median.
 */
function toReference(slices: readonly Slice[], id: TargetId, figure: (slice: Slice) => number): Spread {
  const reference = referenceOf[id]
  if (reference === id) {
    const own = slices.filter((slice) => slice.target === id).map(figure)
    const middle = median(own)
    return spread(own.map((value) => value / middle))
  }
  return spread(
    slices.flatMap((slice, index) => {
      if (slice.target !== id) return []
      const beside = [slices[index - 1], slices[index + 1]].flatMap((other) =>
        other?.target === reference ? [figure(other)] : [],
      )
      return [figure(slice) / (beside.reduce((total, value) => total + value, 0) / beside.length)]
    }),
  )
}

/** req/s of each round's slice of `id` ÷ that of `base` (one slice each a round); null without both. */
function perRound(slices: readonly Slice[], id: TargetId, base: TargetId): Spread | null {
  const rate = (target: TargetId) =>
    slices.filter((slice) => slice.target === target).map((slice) => slice.requestsPerSecond)
  const bases = rate(base)
  const ratios = rate(id).map((value, round) => value / (bases[round] ?? Number.NaN))
  return ratios.length > 0 && bases.length > 0 ? spread(ratios) : null
}

function spread(values: readonly number[]): Spread {
  const middle = median(values)
  const min = Math.min(...values)
  const max = Math.max(...values)
  return { median: middle, min, max, spreadPercent: (Math.max(max - middle, middle - min) / middle) * 100 }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2
}

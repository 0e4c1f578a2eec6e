import { mkdir, writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { dirname } from 'node:path'
import type { Settings, TargetId } from './settings.ts'
import type { Slice, Spread, TargetSummary } from './summary.ts'

/** Issue 18's goals: req/s as a multiple of the reference's, with a p99 no worse than its. */
const goals: Partial<Record<TargetId, number>> = { two_factor: 1.3, bypass: 1.35 }
/** The goals are stated as medians of this many rounds. */
const GOAL_ROUNDS = 5

export interface RunDescription {
  settings: Settings
  /** Which process ran on which CPU (run.ts's header). */
  layout: string
}

/** The table for people: markdown, ready to paste into an issue. */
export function printTable(summaries: readonly TargetSummary[], { settings, layout }: RunDescription): void {
  const reference = summaries.find((summary) => summary.id === 'reference')
  console.log(
    [
      `node ${process.version}, ${cpus().length} cores, ${settings.connections} connections, 1 KB GET; ` +
        `${settings.rounds} round(s) of ${settings.sliceSeconds} s slices, each beside the reference's, ` +
        `after ${settings.warmupSeconds} s of warm-up per target; ${layout}`,
      '',
      row([
        'target',
        'req/s',
        'p50 ms',
        'p99 ms',
        '÷ reference',
        'CPU µs/req',
        'CPU ÷ reference',
        'CPU ÷ upstream',
        'non-2xx',
        'errors',
      ]),
      row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
      ...summaries.map((s) =>
        row([
          s.label,
          s.requestsPerSecond.toFixed(0),
          s.p50Ms.toFixed(2),
          s.p99Ms.toFixed(2),
          withSpread(s.ratioToReference),
          s.cpuMicrosPerRequest.toFixed(0),
          withSpread(s.cpuRatioToReference),
          times(s.cpuRatioToUpstream),
          String(s.non2xx),
          String(s.errors),
        ]),
      ),
      '',
      '÷ reference: req/s, median over pairs of a slice ÷ the reference slices beside it, ± the farthest',
      "pair from that median (reference row: its own slices' drift). CPU ÷ reference: the same of CPU µs",
      "per request, a cost. CPU ÷ upstream: CPU µs per request ÷ the upstream's when loaded directly.",
      '',
      ...(reference ? verdicts(summaries, reference, settings.rounds) : []),
      `JSON: ${settings.jsonFile}`,
    ].join('\n'),
  )
}

/**
 * The same figures for programs: every target by id, with the settings they were measured under,
 * and every slice in the order they ran, so a spread can be traced to its slices.
 */
export async function writeJson(
  summaries: readonly TargetSummary[],
  slices: readonly Slice[],
  { settings, layout }: RunDescription,
) {
  const document = {
    node: process.version,
    cores: cpus().length,
    connections: settings.connections,
    sliceSeconds: settings.sliceSeconds,
    warmupSeconds: settings.warmupSeconds,
    rounds: settings.rounds,
    layout,
    targets: Object.fromEntries(summaries.map((summary) => [summary.id, summary])),
    slices,
  }
  await mkdir(dirname(settings.jsonFile), { recursive: true })
  await writeFile(settings.jsonFile, `${JSON.stringify(document, null, 2)}\n`)
}

/** Failed requests mean the figures cannot be trusted; run.ts then exits non-zero. */
export function hasFailures(summaries: readonly TargetSummary[]): boolean {
  return summaries.some((summary) => summary.non2xx + summary.errors > 0)
}

function verdicts(summaries: readonly TargetSummary[], reference: TargetSummary, rounds: number): string[] {
  const lines = summaries.flatMap((s) => {
    const goal = goals[s.id]
    if (goal === undefined) return []
    const ratio = s.ratioToReference.median
    return [
      `${s.id}: ${times(ratio)} the reference's req/s (goal ≥ ${times(goal)}: ${met(ratio >= goal)}; ` +
        `${times(1 / s.cpuRatioToReference.median)} by CPU per request), p99 ${s.p99Ms.toFixed(2)} ms ` +
        `against ${reference.p99Ms.toFixed(2)} ms (goal no worse: ${met(s.p99Ms <= reference.p99Ms)})`,
    ]
  })
  if (lines.length > 0 && rounds < GOAL_ROUNDS) {
    lines.push(`The goals are judged on BENCH_ROUNDS=${GOAL_ROUNDS}; this run had ${rounds}.`)
  }
  return lines
}

function withSpread({ median, spreadPercent }: Spread): string {
  return `${times(median)} ±${spreadPercent.toFixed(1)}%`
}

function met(yes: boolean): string {
  return yes ? 'met' : 'NOT met'
}

function times(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–'
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`
}

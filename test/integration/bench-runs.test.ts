import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { targetIds } from '../bench/settings.ts'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
/** The test's own deadline; the bench is killed a little before, so its output still shows. */
const TEST_DEADLINE_MS = 90_000

/** Every figure the JSON promises per target, as paths into it. */
const figures = [
  'requestsPerSecond',
  'p50Ms',
  'p99Ms',
  'ratioToReference.median',
  'ratioToReference.min',
  'ratioToReference.max',
  'ratioToReference.spreadPercent',
  'cpuMicrosPerRequest',
  'cpuRatioToReference.median',
  'cpuRatioToReference.spreadPercent',
  'cpuRatioToUpstream',
  'coresBusy',
  'non2xx',
  'errors',
]

/**
 * Issue 18: `npm run bench` still runs end to end, at its smallest (one round of one-second slices),
 * the unpinned targets with it. No figure is judged: the machine is shared, and the figures are for
 * people to read.
 */
describe('npm run bench', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tapgate-bench-test-'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it(
    'measures every target, prints the table and writes it as JSON',
    async () => {
      const jsonFile = join(dir, 'bench.json')
      // Only these settings: BENCH_* variables of whoever runs the tests must not change the run.
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !name.startsWith('BENCH_')),
      )
      const bench = spawn('npm', ['run', '-s', 'bench'], {
        cwd: repoRoot,
        env: { ...env, BENCH_DURATION: '1', BENCH_WARMUP: '0.2', BENCH_ROUNDS: '1', BENCH_JSON: jsonFile },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: TEST_DEADLINE_MS - 10_000,
      })
      let stdout = ''
      let stderr = ''
      bench.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk
      })
      bench.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk
      })
      const [code] = await once(bench, 'close')
      expect(code, `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(0)

      const report = JSON.parse(await readFile(jsonFile, 'utf8'))
      expect(Object.keys(report.targets).sort()).toEqual([...targetIds].sort())
      for (const id of targetIds) {
        const target = report.targets[id]
        for (const path of figures) {
          const value = path.split('.').reduce((parent, key) => parent?.[key], target)
          expect(Number.isFinite(value), `${id}.${path} is ${value}`).toBe(true)
        }
        expect(target.slices).toBeGreaterThan(0)
        expect(stdout).toContain(`| ${target.label} |`)
      }
      // The workers target's CPU time is its primary's and both workers'.
      expect(report.targets.two_factor_workers.processes).toBe(3)
      expect(report.targets.two_factor.processes).toBe(1)
      for (const key of ['median', 'min', 'max', 'spreadPercent']) {
        expect(Number.isFinite(report.workersPerOneWorker[key]), `workersPerOneWorker.${key}`).toBe(true)
      }
      expect(stdout).toContain('| target | req/s |')
      expect(stdout).toContain('two_factor_workers: ')
      expect(stdout).toMatch(/bare: .*; tapgate keeps of it: bypass \d+%, two_factor \d+%/)
    },
    TEST_DEADLINE_MS,
  )
})

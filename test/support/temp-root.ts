import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Set while a run's own temp dir is in place; `npm test` runs two projects, each with this setup. */
const marker = 'TAPGATE_TEST_RUN_TMPDIR'

/**
 * Gives a test run a temp dir of its own and removes it afterwards. The test processes and the
 * servers they start inherit TMPDIR, so every os.tmpdir() of theirs is inside it: the temp dirs of
 * gateways, stores and configs go with the run, not just those a test remembers to remove (a
 * gateway's must outlive it, for a test that restarts it as the same host).
 */
export default function setup(): () => void {
  if (process.env[marker]) return () => {}
  const previous = process.env.TMPDIR
  const root = mkdtempSync(join(tmpdir(), 'tapgate-test-run-'))
  process.env.TMPDIR = root
  process.env[marker] = root
  return () => {
    if (previous === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = previous
    delete process.env[marker]
    rmSync(root, { recursive: true, force: true })
  }
}

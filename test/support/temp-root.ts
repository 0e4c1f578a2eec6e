import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Gives a test run a temp dir of its own and removes it afterwards. The test processes and the
 * servers they start inherit TMPDIR, so every os.tmpdir() of theirs is inside it: the temp dirs of
 * gateways, stores and configs go with the run, not just those a test remembers to remove (a
 * gateway's must outlive it, for a test that restarts it as the same host).
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR
  const root = mkdtempSync(join(tmpdir(), 'tapgate-test-run-'))
  process.env.TMPDIR = root
  return () => {
    if (previous === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = previous
    rmSync(root, { recursive: true, force: true })
  }
}

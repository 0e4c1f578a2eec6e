import { execFile } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { compiledGateway } from '../support/gateway-process.ts'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
/** What the bundle is built from: gateway/ and package.json (its build script); packages stay external. */
const sourceDir = join(repoRoot, 'gateway')

/**
 * `npm run build` unless dist/gateway/tapgate.js is newer than every source. Not rebuilt when fresh:
 * esbuild rewrites the file in place, under any gateway process starting from it at that moment
 * (the integration tests run the bench beside others that start the bundle).
 */
export async function buildCompiledGateway(): Promise<string> {
  if (!existsSync(compiledGateway) || statSync(compiledGateway).mtimeMs < newestSourceMtime()) {
    await promisify(execFile)('npm', ['run', '-s', 'build'], { cwd: repoRoot })
  }
  return compiledGateway
}

function newestSourceMtime(): number {
  const files = readdirSync(sourceDir, { recursive: true, encoding: 'utf8' }).map((name) =>
    join(sourceDir, name),
  )
  // A file an editor has just replaced may be gone between listing and reading it.
  const mtimes = [join(repoRoot, 'package.json'), ...files].map(
    (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0,
  )
  return Math.max(...mtimes)
}

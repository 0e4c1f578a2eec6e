import { existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { Config } from '../config/schema.ts'
import { describeProblems, loadConfigFile } from '../load-config.ts'

/** Where a command's config comes from, and whether it was named or found (then the command says so). */
export interface ConfigPath {
  file: string
  found: boolean
}

/** The demo's config, for commands run in a checkout of the repository (`npm run tapgate -- …`). */
const demoConfig = 'config/demo.yaml'

/**
 * The config a command uses: `--config FILE`, else `TAPGATE_CONFIG`, else `./tapgate.yaml`, else the
 * demo's when run from the repository; null when there is none of them.
 */
export function configPathFrom(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): ConfigPath | null {
  const named = flag ?? env.TAPGATE_CONFIG
  if (named) return { file: named, found: false }
  for (const candidate of ['tapgate.yaml', demoConfig]) {
    const file = join(cwd, candidate)
    if (existsSync(file)) return { file: relative(cwd, file), found: true }
  }
  return null
}

const noConfig =
  'no config file: pass --config FILE, set TAPGATE_CONFIG, or put tapgate.yaml in this directory'

/** On stderr, so that a command's answer on stdout stays clean for scripts. */
function sayWhichConfig(path: ConfigPath): void {
  if (path.found) process.stderr.write(`tapgate: using ${path.file}\n`)
}

/** The config a command runs with; null when there is none or it is invalid, told on stderr (exit 2). */
export function loadCommandConfig(flag: string | undefined): { file: string; config: Config } | null {
  const path = configPathFrom(flag)
  if (path === null) {
    process.stderr.write(`tapgate: ${noConfig}\n`)
    return null
  }
  sayWhichConfig(path)
  const loaded = loadConfigFile(path.file)
  if (!loaded.ok) {
    process.stderr.write(describeProblems(path.file, loaded.problems))
    return null
  }
  return { file: path.file, config: loaded.config }
}

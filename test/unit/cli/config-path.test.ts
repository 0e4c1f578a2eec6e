import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { configPathFrom } from '../../../gateway/cli/config-path.ts'

/** A working directory holding the given files. */
function directoryWith(...files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'tapgate-cwd-'))
  for (const file of files) {
    mkdirSync(join(dir, file, '..'), { recursive: true })
    writeFileSync(join(dir, file), 'listen: 127.0.0.1:1\n')
  }
  return dir
}

describe('the config a command uses (issue 17)', () => {
  const repository = directoryWith('tapgate.yaml', 'config/demo.yaml')
  it.each([
    ['--config', 'a.yaml', { TAPGATE_CONFIG: 'b.yaml' }, repository, { file: 'a.yaml', found: false }],
    ['TAPGATE_CONFIG', undefined, { TAPGATE_CONFIG: 'b.yaml' }, repository, { file: 'b.yaml', found: false }],
    ['./tapgate.yaml', undefined, { TAPGATE_CONFIG: '' }, repository, { file: 'tapgate.yaml', found: true }],
    [
      "the demo's in the repository",
      undefined,
      {},
      directoryWith('config/demo.yaml'),
      { file: join('config', 'demo.yaml'), found: true },
    ],
    ['none', undefined, {}, directoryWith(), null],
  ])('%s', (_, flag, env, cwd, expected) => {
    expect(configPathFrom(flag, env, cwd)).toEqual(expected)
  })
})

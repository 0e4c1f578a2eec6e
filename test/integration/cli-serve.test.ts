import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tapgate, writeCliConfig } from '../support/cli.ts'
import { freePort } from '../support/free-port.ts'

/** Issue 17: a start-up failure is one line an operator can act on, not a Node stack trace. */
describe('tapgate serve that cannot start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tapgate-serve-'))

  it('names the address that is taken, in one line, exit 1', async () => {
    const taken = createServer()
    await new Promise<void>((listening) => taken.listen(0, '127.0.0.1', listening))
    const { port } = taken.address() as { port: number }
    try {
      const config = writeCliConfig(join(dir, 'taken.yaml'), join(dir, 'taken.db'), {
        listen: `127.0.0.1:${port}`,
        log_level: 'silent',
        metrics: { listen: `127.0.0.1:${await freePort()}` },
      })
      expect(await tapgate(['serve', '--config', config])).toEqual({
        code: 1,
        stdout: '',
        stderr: `tapgate: cannot listen on 127.0.0.1:${port}: the address is already in use (is another tapgate running?)\n`,
      })
    } finally {
      taken.close()
    }
  })

  it('names a missing config file, exit 2', async () => {
    const missing = join(dir, 'missing.yaml')
    const result = await tapgate(['serve', '--config', missing])
    expect(result.code).toBe(2)
    expect(result.stderr.split('\n')[0]).toBe(`${missing}: 1 problem(s):`)
    expect(result.stderr).toContain('ENOENT')
  })
})

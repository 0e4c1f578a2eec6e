import { describe, expect, it } from 'vitest'
import { describeFailure } from '../../../gateway/cli/one-line-failure.ts'
import { tapgateVersion } from '../../../gateway/observability/version.ts'
import { tapgate } from '../../support/cli.ts'

/** Issue 17: every command says what it takes, the CLI its release, and a failure is one line. */
describe('tapgate --help and --version', () => {
  it('prints the release', async () => {
    expect(await tapgate(['--version'])).toEqual({
      code: 0,
      stdout: `tapgate ${tapgateVersion}\n`,
      stderr: '',
    })
  })

  it('prints the commands on stdout for --help, and on stderr with exit 2 for nothing or an unknown one', async () => {
    const help = await tapgate(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: tapgate <command> [options]')
    expect(help.stdout).toContain('else ./tapgate.yaml')
    expect(await tapgate([])).toMatchObject({ code: 2 })
    const unknown = await tapgate(['serv'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/^tapgate: no command 'serv'\nUsage: tapgate/)
  })

  it.each([
    ['serve', 'Usage: tapgate serve [--config FILE]'],
    ['check-config', 'Usage: tapgate check-config [FILE]'],
    ['explain-path', 'Usage: tapgate explain-path [FILE] TARGET'],
    ['hash-password', 'Usage: tapgate hash-password'],
    ['user', 'Usage: tapgate user <command>'],
    ['lockouts', 'Usage: tapgate lockouts <command>'],
    ['store', 'Usage: tapgate store <command>'],
  ])('%s --help says what it takes, on stdout, exit 0, without reading a config', async (command, said) => {
    for (const args of [
      [command, '--help'],
      [command, '-h'],
      ['help', command],
    ]) {
      const result = await tapgate(args, { TAPGATE_CONFIG: '/nonexistent.yaml' })
      expect(result, args.join(' ')).toEqual({ code: 0, stdout: expect.stringContaining(said), stderr: '' })
    }
  })
})

describe('a failure in one line', () => {
  const failure = (message: string, fields: Record<string, unknown>) =>
    Object.assign(new Error(message), fields)

  it.each([
    [
      failure('listen EADDRINUSE: address already in use 127.0.0.1:3000', {
        code: 'EADDRINUSE',
        syscall: 'listen',
        address: '127.0.0.1',
        port: 3000,
      }),
      'cannot listen on 127.0.0.1:3000: the address is already in use (is another tapgate running?)',
    ],
    [
      failure('listen EACCES: permission denied 0.0.0.0:443', {
        code: 'EACCES',
        syscall: 'listen',
        address: '0.0.0.0',
        port: 443,
      }),
      'cannot listen on 0.0.0.0:443: permission denied (ports below 1024 need privileges)',
    ],
    [
      failure("ENOENT: no such file or directory, open '/etc/tapgate/ca.pem'", {
        code: 'ENOENT',
        path: '/etc/tapgate/ca.pem',
      }),
      '/etc/tapgate/ca.pem: no such file or directory',
    ],
    [new Error('first line\n    at somewhere (file.ts:1:1)'), 'first line'],
  ])('%#', (error, line) => {
    expect(describeFailure(error)).toBe(line)
  })
})

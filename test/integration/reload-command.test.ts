import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { tapgate, writeCliConfig } from '../support/cli.ts'
import { freePort } from '../support/free-port.ts'
import { type LogLine, testEncryptionKey } from '../support/gateway.ts'
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts'

/**
 * Issue 17: `tapgate serve` reloads its config file on SIGHUP, and `tapgate reload` checks the file
 * before signalling the gateway its pid_file names. What a reload applies: config-reload.test.ts.
 */
let upstream: RecordingUpstream
let gateway: GatewayProcess | undefined

beforeAll(async () => {
  upstream = await startRecordingUpstream()
})
afterEach(async () => {
  await gateway?.stop()
  gateway = undefined
})
afterAll(() => upstream.close())

/** The gateway's config with every request under one policy. */
function configYaml(port: number, policy: 'bypass' | 'deny', extra: string[] = []): string {
  return [
    `listen: 127.0.0.1:${port}`,
    `public_url: http://127.0.0.1:${port}`,
    `upstream: { url: '${upstream.url}' }`,
    'first_factor: { panel_cookies: [PANELSESSID] }',
    `encryption_key: ${testEncryptionKey}`,
    'pid_file: tapgate.pid',
    `rules: [{ prefix: '/', policy: ${policy} }]`,
    "metrics: { listen: '127.0.0.1:0' }",
    ...extra,
  ].join('\n')
}

async function started(policy: 'bypass' | 'deny'): Promise<{ gateway: GatewayProcess; port: number }> {
  const port = await freePort()
  gateway = await startGatewayProcess(configYaml(port, policy))
  await gateway.waitForOutput(/"msg":"tapgate listening"/)
  return { gateway, port }
}

const echoStatus = async (running: GatewayProcess) => (await fetch(`${running.url}/echo`)).status

function events(running: GatewayProcess, name: string): LogLine[] {
  return running
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.event === name)
}

describe('tapgate serve on SIGHUP', () => {
  it('applies the changed file; a broken one is logged and changes nothing', async () => {
    const { gateway, port } = await started('bypass')
    expect(await echoStatus(gateway)).toBe(200)

    writeFileSync(gateway.configFile, configYaml(port, 'deny'))
    process.kill(gateway.pid, 'SIGHUP')
    await gateway.waitForOutput(/"event":"config_reloaded"/)
    expect(await echoStatus(gateway)).toBe(403)

    writeFileSync(gateway.configFile, configYaml(port, 'bypass', ['no_such_key: 1']))
    process.kill(gateway.pid, 'SIGHUP')
    await gateway.waitForOutput(/"event":"reload_failed"/)
    expect(events(gateway, 'reload_failed')).toMatchObject([
      { level: 50, file: gateway.configFile, problems: [expect.stringContaining('no_such_key')] },
    ])
    expect(await echoStatus(gateway)).toBe(403)

    expect(await gateway.stop()).toEqual({ code: 0, signal: null })
  })
})

describe('tapgate reload', () => {
  it('checks the file first, then has the gateway named by pid_file apply it', async () => {
    const { gateway, port } = await started('bypass')
    const pidFile = join(dirname(gateway.configFile), 'tapgate.pid')
    expect(readFileSync(pidFile, 'utf8')).toBe(`${gateway.pid}\n`)

    writeFileSync(gateway.configFile, configYaml(port, 'deny', ['no_such_key: 1']))
    const refused = await tapgate(['reload', '--config', gateway.configFile])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('no_such_key')

    const elsewhere = await freePort()
    writeFileSync(
      gateway.configFile,
      configYaml(port, 'deny').replace(`listen: 127.0.0.1:${port}`, `listen: 127.0.0.1:${elsewhere}`),
    )
    expect(await tapgate(['reload', '--config', gateway.configFile])).toEqual({
      code: 0,
      stdout: `asked the gateway (process ${gateway.pid}) to reload ${gateway.configFile}; its log says config_reloaded or reload_failed\n`,
      stderr: '',
    })
    await gateway.waitForOutput(/"event":"config_reloaded"/)
    expect(await echoStatus(gateway)).toBe(403)
    expect(events(gateway, 'reload_restart_needed')).toMatchObject([{ level: 40, keys: ['listen'] }])
    // The refused config was never sent: the gateway reloaded once, and never failed to.
    expect(events(gateway, 'config_reloaded')).toHaveLength(1)
    expect(events(gateway, 'reload_failed')).toEqual([])

    expect(await gateway.stop()).toEqual({ code: 0, signal: null })
    expect(existsSync(pidFile)).toBe(false)
  })

  describe('with no gateway to signal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapgate-reload-'))
    const store = join(dir, 'store.db')

    it('asks for a pid_file or --pid when the config names none', async () => {
      const config = writeCliConfig(join(dir, 'no-pid.yaml'), store)
      expect(await tapgate(['reload', '--config', config])).toEqual({
        code: 2,
        stdout: '',
        stderr: `tapgate: ${config} has no pid_file: set one, pass --pid PID, or send SIGHUP to the gateway\n`,
      })
    })

    it('says so when the pid file is missing, and sends nothing for a stale one', async () => {
      const pidFile = join(dir, 'tapgate.pid')
      const config = writeCliConfig(join(dir, 'pid.yaml'), store, { pid_file: pidFile })
      expect(await tapgate(['reload', '--config', config])).toEqual({
        code: 1,
        stdout: '',
        stderr: `tapgate: no gateway to reload: ${pidFile} holds no process id (is it running?)\n`,
      })
      const ended = spawnSync(process.execPath, ['--version']).pid
      writeFileSync(pidFile, `${ended}\n`)
      expect(await tapgate(['reload', '--config', config])).toMatchObject({
        code: 1,
        stderr: `tapgate: process ${ended} is not tapgate serve (a stale pid file?): nothing sent\n`,
      })
      // This test's own process is alive, and not a gateway: it must not get the SIGHUP.
      expect(await tapgate(['reload', '--config', config, '--pid', String(process.pid)])).toMatchObject({
        code: 1,
        stderr: `tapgate: process ${process.pid} is not tapgate serve (a stale pid file?): nothing sent\n`,
      })
    })
  })
})

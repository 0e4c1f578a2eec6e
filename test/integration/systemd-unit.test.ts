import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/** Issue 17: the shipped unit runs the compiled gateway, hardened, and systemd itself finds no fault. */
const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const unit = readFileSync(join(repoRoot, 'deploy/systemd/tapgate.service'), 'utf8')

/** The unit's `Key=value` lines, every value of a key that is repeated. */
function settings(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>()
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line)
    if (match) found.set(match[1] as string, [...(found.get(match[1] as string) ?? []), match[2] as string])
  }
  return found
}

describe('deploy/systemd/tapgate.service', () => {
  it('runs the compiled gateway, reloads a checked config, and does not restart over a configuration problem (exit 2)', () => {
    const unitSettings = settings(unit)
    expect(unitSettings.get('ExecStart')).toEqual([
      '/usr/bin/node /opt/tapgate/dist/gateway/tapgate.js serve --config /etc/tapgate/tapgate.yaml',
    ])
    expect(unitSettings.get('RestartPreventExitStatus')).toEqual(['2'])
    // `systemctl reload` fails over a config with problems, and sends the SIGHUP only for a good one.
    expect(unitSettings.get('ExecReload')).toEqual([
      '/usr/bin/node /opt/tapgate/dist/gateway/tapgate.js check-config /etc/tapgate/tapgate.yaml',
      '/bin/kill -HUP $MAINPID',
    ])
    // The key reaches it as a credential, named by the variable load-config.ts reads a secret's file from.
    expect(unitSettings.get('LoadCredential')).toEqual(['encryption-key:/etc/tapgate/encryption-key'])
    expect(unitSettings.get('Environment')).toContain('TAPGATE_ENCRYPTION_KEY_FILE=%d/encryption-key')
  })

  it.each([
    ['DynamicUser', 'yes'],
    ['NoNewPrivileges', 'yes'],
    ['ProtectSystem', 'strict'],
    ['ProtectHome', 'yes'],
    ['PrivateTmp', 'yes'],
    ['CapabilityBoundingSet', ''],
    ['StateDirectory', 'tapgate'],
  ])('is hardened: %s=%s', (key, value) => {
    expect(settings(unit).get(key)).toEqual([value])
  })

  it('passes systemd-analyze verify', () => {
    // Verified as installed here: this machine's node, and this checkout in place of /opt/tapgate.
    const dir = mkdtempSync(join(tmpdir(), 'tapgate-unit-'))
    const file = join(dir, 'tapgate.service')
    writeFileSync(
      file,
      unit.replaceAll('/usr/bin/node', process.execPath).replaceAll('/opt/tapgate/', repoRoot),
    )
    // verify exits 0 over a misspelt key or a bad value, which it only reports on stderr.
    const verified = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' })
    expect({ status: verified.status, stderr: verified.stderr }).toEqual({ status: 0, stderr: '' })
  })
})

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ForegroundServer, startForegroundServer } from './foreground-server.ts'
import { freePort } from './free-port.ts'

/**
 * A real Caddy (Debian's, installed by the test setup) in the foreground, serving `caddyfile` (such as
 * config/proxies/Caddyfile) with its one site address replaced by plain HTTP on `port` on loopback,
 * no admin endpoint and no certificates. Its data and config dirs live in a temp dir.
 */
export async function startCaddy(
  caddyfile: string,
  siteAddress: string,
  port?: number,
): Promise<ForegroundServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tapgate-caddy-'))
  port ??= await freePort()
  if (!caddyfile.includes(`${siteAddress} {`)) throw new Error(`the Caddyfile has no site '${siteAddress}'`)
  const site = caddyfile.replace(`${siteAddress} {`, `http://127.0.0.1:${port} {`)
  const file = join(dir, 'Caddyfile')
  await writeFile(file, `{\n\tadmin off\n\tauto_https off\n}\n\n${site}`)
  return startForegroundServer({
    name: 'caddy',
    command: 'caddy',
    args: ['run', '--config', file, '--adapter', 'caddyfile'],
    port,
    env: {
      ...process.env,
      HOME: dir,
      XDG_DATA_HOME: join(dir, 'data'),
      XDG_CONFIG_HOME: join(dir, 'config'),
    },
    stopSignal: 'SIGTERM',
    cleanUp: () => rm(dir, { recursive: true, force: true }),
  })
}

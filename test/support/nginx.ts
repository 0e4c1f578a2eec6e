import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ForegroundServer, startForegroundServer } from './foreground-server.ts'
import { freePort } from './free-port.ts'

/**
 * A real nginx (Debian's, installed by the test setup) in the foreground, in its own temp dir, serving
 * `serverBlocks` (an http-level config such as config/proxies/nginx-forward-auth.conf) with its
 * `listen 80` moved to `port` on loopback (a free one by default). Resolves once the port answers.
 */
export async function startNginx(serverBlocks: string, port?: number): Promise<ForegroundServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tapgate-nginx-'))
  port ??= await freePort()
  const site = serverBlocks.replace(/listen 80;/g, `listen 127.0.0.1:${port};`)
  await writeFile(join(dir, 'site.conf'), site)
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `  ${kind}_temp_path ${join(dir, kind)};`)
    .join('\n')
  await writeFile(
    join(dir, 'nginx.conf'),
    `daemon off;
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
${temp}
  include ${join(dir, 'site.conf')};
}
`,
  )
  return startForegroundServer({
    name: 'nginx',
    command: 'nginx',
    args: ['-p', dir, '-c', join(dir, 'nginx.conf')],
    port,
    stopSignal: 'SIGQUIT',
    cleanUp: () => rm(dir, { recursive: true, force: true }),
  })
}

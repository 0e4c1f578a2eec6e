import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.ts'
import { waitFor } from './wait-for.ts'

export interface Nginx {
  url: string
  port: number
  stop(): Promise<void>
}

/**
 * A real nginx (Debian's, installed by the test setup) in the foreground, in its own temp dir, serving
 * `serverBlocks` (an http-level config such as config/proxies/nginx-forward-auth.conf) with its
 * `listen 80` moved to `port` on loopback (a free one by default). Resolves once the port answers.
 */
export async function startNginx(serverBlocks: string, port?: number): Promise<Nginx> {
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
  let output = ''
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk
  })
  const exited = once(child, 'exit')
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${output}`)
      await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' })
    })
  } catch (error) {
    child.kill('SIGKILL')
    throw new Error(`nginx did not start: ${output || (error as Error).message}`)
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGQUIT')
        await exited
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
}

import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { type RedisServer, startRedis } from './redis.ts'
import { clientTls, type TlsFiles } from './tls-files.ts'
import { waitFor } from './wait-for.ts'

const run = promisify(execFile)

export type RedisCluster = {
  /** One server per master, each holding a third of the hash slots. */
  nodes: RedisServer[]
  /** The nodes' URLs, as `store.cluster_nodes` lists them. */
  urls: string[]
  stop(): Promise<void>
}

/**
 * Three masters on free loopback ports, joined with `redis-cli --cluster create`; no replicas. With
 * `tls`, the nodes speak TLS only, to clients and on the cluster bus.
 */
export async function startRedisCluster(options: { tls?: TlsFiles } = {}): Promise<RedisCluster> {
  const { tls } = options
  const results = await Promise.allSettled(
    Array.from({ length: 3 }, () =>
      startRedis({
        args: (_port, dir) => [
          ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf')],
          // Short, so a node that comes back is taken in again within a second or two.
          ...['--cluster-node-timeout', '1000'],
          ...(tls ? ['--tls-cluster', 'yes'] : []),
        ],
        tls,
      }),
    ),
  )
  const nodes = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()))
  }
  try {
    const failed = results.find((result) => result.status === 'rejected')
    if (failed) throw failed.reason
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`)
    const cliTls = tls
      ? ['--tls', '--cacert', tls.caFile, '--cert', tls.clientCertFile, '--key', tls.clientKeyFile]
      : []
    await run('redis-cli', [...cliTls, '--cluster', 'create', ...addresses, '--cluster-yes'])
    // redis-cli returns once the configuration is consistent; each node reports ok a moment later.
    await Promise.all(nodes.map((node) => waitFor(() => clusterStateOk(node.url, tls))))
    return { nodes, urls: nodes.map((node) => node.url), stop }
  } catch (error) {
    await stop()
    throw error
  }
}

async function clusterStateOk(url: string, tls: TlsFiles | undefined): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    ...(tls && { tls: clientTls(tls) }),
  })
  try {
    const info = await client.cluster('INFO')
    if (!info.includes('cluster_state:ok')) throw new Error(`cluster not ready at ${url}:\n${info}`)
  } finally {
    client.disconnect()
  }
}

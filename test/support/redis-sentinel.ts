import { Redis } from 'ioredis'
import { type RedisServer, startRedis } from './redis.ts'
import { clientTls, type TlsFiles } from './tls-files.ts'
import { waitFor } from './wait-for.ts'

export type SentinelGroup = {
  /** The master group's name, as `store.sentinel_name` gives it. */
  name: string
  master: RedisServer
  replica: RedisServer
  sentinel: RedisServer
  /** The Sentinel's 'host:port', as `store.sentinels` lists it. */
  sentinelAddress: string
  /** A client of the Sentinel itself, for SENTINEL commands. */
  sentinelClient: Redis
  /** The port of the server the Sentinel currently names as master. */
  masterPort(): Promise<number>
  stop(): Promise<void>
}

/**
 * A master, its replica and one Sentinel watching them (a quorum of one, so a failover needs no
 * other Sentinel's vote), on free loopback ports. Resolves once the Sentinel knows the replica well
 * enough to promote it. With `tls`, all three speak TLS only, to clients and to each other.
 */
export async function startSentinelGroup(
  options: { name?: string; tls?: TlsFiles } = {},
): Promise<SentinelGroup> {
  const { name = 'tapgate', tls } = options
  const connect = (url: string) => new Redis(url, tls ? { tls: clientTls(tls) } : {})
  // Replicas and the Sentinel reach the servers over TLS too, showing the server certificate.
  const tlsArgs = tls ? ['--tls-replication', 'yes'] : []
  const started: RedisServer[] = []
  const clients: Redis[] = []
  const stop = async () => {
    await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())))
    await Promise.all(started.map((server) => server.stop()))
  }
  try {
    // Either may be master after a failover; a replica syncs at once instead of after 5 s.
    const args = ['--repl-diskless-sync-delay', '0', ...tlsArgs]
    const master = await startRedis({ args: () => args, tls })
    started.push(master)
    const replica = await startRedis({
      args: () => [...args, '--replicaof', '127.0.0.1', String(master.port)],
      tls,
    })
    started.push(replica)
    const replicaClient = connect(replica.url)
    clients.push(replicaClient)
    // The Sentinel learns of replicas from the master's INFO, so the replica must be in sync first.
    await waitFor(async () => {
      if (!/\r\nmaster_link_status:up\r\n/.test(await replicaClient.info('replication'))) {
        throw new Error('the replica has not synced with the master yet')
      }
    })
    const sentinel = await startRedis({
      sentinel: [
        `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 10000`,
        '',
      ].join('\n'),
      args: () => tlsArgs,
      tls,
    })
    started.push(sentinel)
    const sentinelClient = connect(sentinel.url)
    clients.push(sentinelClient)
    // SENTINEL FAILOVER promotes only a replica whose link is up and whose INFO is fresh.
    await waitFor(async () => {
      const replicas = (await sentinelClient.call('SENTINEL', 'REPLICAS', name)) as string[][]
      const fields = new Map(pairs(replicas[0] ?? []))
      if (fields.get('master-link-status') !== 'ok' || !fields.has('info-refresh')) {
        throw new Error(`the Sentinel does not know the replica yet: ${JSON.stringify(replicas)}`)
      }
    })
    return {
      name,
      master,
      replica,
      sentinel,
      sentinelAddress: `127.0.0.1:${sentinel.port}`,
      sentinelClient,
      async masterPort() {
        const [, port] = (await sentinelClient.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as string[]
        return Number(port)
      },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/** SENTINEL replies are flat [field, value, field, value …] lists. */
function pairs(flat: string[]): [string, string][] {
  const result: [string, string][] = []
  for (let i = 0; i + 1 < flat.length; i += 2) result.push([flat[i] as string, flat[i + 1] as string])
  return result
}

// Child process: tapgate as `tapgate serve` would run it (startGateway, Redis store, info logging),
// plus one two_factor session, with a panel session in its jar, minted through the gateway's own
// Sessions on the same store.
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { systemClock } from '../../gateway/deps.ts'
import { parseConfig } from '../../gateway/load-config.ts'
import { createLogger } from '../../gateway/observability/logger.ts'
import { startGateway } from '../../gateway/server.ts'
import { Sessions } from '../../gateway/session/sessions.ts'
import { createRedisStore } from '../../gateway/store/redis-store.ts'
import { freePort } from '../support/free-port.ts'
import { childInput, serveRun } from './protocol.ts'

const { upstreamUrl, redisUrl } = childInput<{ upstreamUrl: string; redisUrl: string }>()

// public_url must name the port, so it is chosen before listening (as test/support/gateway.ts does).
const port = await freePort()
const loaded = parseConfig(
  {
    listen: `127.0.0.1:${port}`,
    public_url: `http://127.0.0.1:${port}`,
    upstream: { url: upstreamUrl },
    first_factor: { panel_cookies: ['PANELSESSID'] },
    // The bench's Redis is new each run: a fresh identity file, never one left in the working directory.
    store: {
      redis_url: redisUrl,
      key_prefix: 'tapgate-bench:',
      identity_file: join(mkdtempSync(join(tmpdir(), 'tapgate-bench-')), 'store-identity'),
    },
    encryption_key: randomBytes(32).toString('base64url'),
    rules: [{ prefix: '/api/', policy: 'bypass' }],
    // Every autocannon connection comes from 127.0.0.1: one client, as far as the cap can tell. Just
    // below upstream.pool.max_sockets (256), so that it starts without a warning.
    limits: { per_ip_concurrency: 255 },
    log_level: 'info',
  },
  // An empty env: TAPGATE_* variables of whoever runs the benchmark must not change the setup.
  { baseDir: process.cwd(), env: {} },
)
if (!loaded.ok) throw new Error(`bench config invalid:\n${loaded.problems.join('\n')}`)
const { config } = loaded

const store = createRedisStore(redisUrl, config.store.key_prefix)
const gateway = await startGateway({ config, store, clock: systemClock, log: createLogger(config.log_level) })

const sessions = new Sessions(store, systemClock, config.session)
// A verified session holds the panel's session cookie, as every real one does: its cost is measured.
const panelJar = gateway.services.panelJars.seal('bench', { PANELSESSID: randomBytes(16).toString('hex') })
const sessionToken = await sessions.create({
  user: 'bench',
  level: 'two_factor',
  ...(panelJar && { panelJar }),
})

await serveRun({ url: gateway.url, sessionToken }, async () => {
  gateway.server.closeAllConnections()
  await gateway.close()
})

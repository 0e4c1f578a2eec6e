import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { Config } from '../../gateway/config/schema.ts'
import { parseConfig } from '../../gateway/load-config.ts'
import { createLogger } from '../../gateway/observability/logger.ts'
import { type RunningGateway, startGateway } from '../../gateway/server.ts'
import { SqliteStore } from '../../gateway/store/sqlite-store.ts'
import type { Store } from '../../gateway/store/store.ts'
import { FixedClock } from './clock.ts'
import { freePort } from './free-port.ts'

export interface LogLine {
  level: number
  event?: string
  msg: string
  [key: string]: unknown
}

export interface TestGateway extends RunningGateway {
  store: Store
  clock: FixedClock
  /** The configured public origin (what a browser sends as Origin); `url` is where the gateway listens. */
  publicOrigin: string
  /** Every JSON log line the gateway wrote, parsed. */
  logs: LogLine[]
  /** The raw log text, to assert that no secret ever appears in it. */
  logText(): string
  /** The config the gateway started with, its top-level keys replaced by `changes`' (for a reload). */
  configWith(changes: Record<string, unknown>): Config
}

export const testEncryptionKey = 'test-encryption-key-0123456789abcdef-0123456789'

/** The demo panel's login, as an operator would configure it; tests override what they exercise. */
export const panelLoginSettings = {
  login_path: '/login',
  username_field: 'username',
  success: { status: [302], set_cookie: 'PANELSESSID', location: '^/dashboard' },
  logout_paths: ['/logout'],
}

/**
 * A real gateway on a loopback port in front of a real upstream. The store defaults to a SQLite
 * file in a temp dir driven by the same FixedClock, so expiry is tested without sleeping.
 * `publicHost` names the host of public_url (still on the listening port): `localhost` for
 * security-key tests, since an IP address is not a valid WebAuthn RP ID.
 */
export async function startTestGateway(options: {
  upstreamUrl: string
  config?: Record<string, unknown>
  store?: Store
  clock?: FixedClock
  publicHost?: string
}): Promise<TestGateway> {
  const clock = options.clock ?? new FixedClock()
  const dir = mkdtempSync(join(tmpdir(), 'tapgate-test-'))
  // Each gateway remembers its store's identity in its own dir, as a fresh host would (unless the
  // test names the file, to restart a gateway as the same host).
  const storeSettings = { identity_file: join(dir, 'store-identity'), ...(options.config?.store ?? {}) }
  const documentFor = (port: number) => ({
    listen: `127.0.0.1:${port}`,
    public_url: `http://${options.publicHost ?? '127.0.0.1'}:${port}`,
    upstream: { url: options.upstreamUrl, timeout: '5s' },
    encryption_key: testEncryptionKey,
    first_factor: panelLoginSettings,
    rules: [{ prefix: '/api/', policy: 'bypass' }],
    log_level: 'debug',
    // Every test gateway gets its own free metrics port.
    metrics: { listen: '127.0.0.1:0' },
    ...options.config,
    store: storeSettings,
  })
  const parsed = (document: Record<string, unknown>) => {
    const loaded = parseConfig(document, { baseDir: process.cwd(), env: {} })
    if (!loaded.ok) throw new Error(`test config invalid:\n${loaded.problems.join('\n')}`)
    return loaded.config
  }
  const store = options.store ?? new SqliteStore(join(dir, 'store.db'), clock)
  let text = ''
  const sink = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString()
      done()
    },
  })
  // The free port may be taken before the gateway listens (another test's outgoing connection got it
  // as its ephemeral port): a fresh one is tried then.
  let attempt = 0
  for (;;) {
    const raw = documentFor(await freePort())
    const config = parsed(raw)
    const log = createLogger(config.log_level, sink)
    let gateway: RunningGateway
    try {
      gateway = await startGateway({ config, store, clock, log })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' && ++attempt < 5) continue
      throw error
    }
    return {
      ...gateway,
      // What the gateway uses now: a reload replaces it.
      get services() {
        return gateway.services
      },
      store,
      clock,
      publicOrigin: new URL(config.public_url).origin,
      get logs() {
        return text
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as LogLine)
      },
      logText: () => text,
      configWith: (changes) => parsed({ ...raw, ...changes, store: storeSettings }),
    }
  }
}

import { describe, expect, it } from 'vitest'
import {
  restartOnlyChanges,
  type restartOnlyKeys,
  withRestartOnlyKept,
} from '../../../gateway/config/restart-only.ts'
import type { Config } from '../../../gateway/config/schema.ts'
import { parseConfig } from '../../../gateway/load-config.ts'

const base = {
  listen: '127.0.0.1:8080',
  public_url: 'https://panel.example.com',
  upstream: { url: 'http://127.0.0.1:2082' },
  encryption_key: 'k'.repeat(40),
  first_factor: { panel_cookies: ['sid'] },
  rules: [{ prefix: '/api/', policy: 'bypass' }],
}

function configOf(extra: Record<string, unknown> = {}): Config {
  const loaded = parseConfig({ ...base, ...extra }, { baseDir: '/etc/tapgate', env: {} })
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'))
  return loaded.config
}

/** A change to each restart-only key, as an operator would write it. */
const changes: Record<(typeof restartOnlyKeys)[number], Record<string, unknown>> = {
  listen: { listen: '0.0.0.0:9090' },
  metrics: { metrics: { enabled: false } },
  pid_file: { pid_file: '/run/tapgate.pid' },
  server: { store: { redis_url: 'redis://127.0.0.1:6379' }, server: { workers: 2 } },
  store: { store: { redis_url: 'redis://127.0.0.1:6379' } },
  encryption_key: { encryption_key: 'n'.repeat(40) },
  'upstream.url': { upstream: { url: 'http://127.0.0.1:2083' } },
  'upstream.tls': { upstream: { url: 'https://127.0.0.1:2083', tls: { ca_file: 'ca.pem' } } },
  'upstream.timeout': { upstream: { ...base.upstream, timeout: '5s' } },
  'upstream.pool': { upstream: { ...base.upstream, pool: { max_sockets: 8 } } },
}

describe('settings a reload cannot apply', () => {
  it.each(Object.entries(changes))('a changed %s is named, and its running value kept', (key, change) => {
    const running = configOf()
    const reloaded = configOf(change)
    expect(restartOnlyChanges(running, reloaded)).toContain(key)
    const applied = withRestartOnlyKept(running, reloaded)
    expect(restartOnlyChanges(running, applied)).toEqual([])
  })

  it('a config that changes only what a reload applies names nothing', () => {
    const reloaded = configOf({
      rules: [{ prefix: '/api/', policy: 'deny' }],
      ui: { name: 'Example Hosting' },
      upstream: { ...base.upstream, preserve_host: true },
      log_level: 'warn',
    })
    expect(restartOnlyChanges(configOf(), reloaded)).toEqual([])
  })

  it('keeps the running values and takes every other one from the reloaded config', () => {
    const running = configOf()
    const reloaded = configOf({
      listen: '0.0.0.0:9090',
      upstream: { url: 'http://127.0.0.1:2083', preserve_host: true },
      rules: [{ prefix: '/api/', policy: 'deny' }],
    })
    const applied = withRestartOnlyKept(running, reloaded)
    expect(applied.listen).toEqual(running.listen)
    expect(applied.upstream).toEqual({ ...running.upstream, preserve_host: true })
    expect(applied.rules).toEqual(reloaded.rules)
    expect(restartOnlyChanges(running, reloaded)).toEqual(['listen', 'upstream.url'])
  })

  it('changes neither config it is given', () => {
    const running = configOf()
    const reloaded = configOf({ listen: '0.0.0.0:9090', upstream: { url: 'http://127.0.0.1:2083' } })
    const before = structuredClone({ running, reloaded })
    withRestartOnlyKept(running, reloaded)
    expect({ running, reloaded }).toEqual(before)
  })
})

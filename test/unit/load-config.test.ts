import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfigFile, parseConfig } from '../../gateway/load-config.ts'
import { metadataEntry, metadataPayload } from '../support/fido-metadata.ts'

const key = 'k'.repeat(40)
const minimal = {
  public_url: 'https://panel.example.com',
  upstream: { url: 'http://127.0.0.1:2082' },
  encryption_key: key,
  first_factor: { panel_cookies: ['session'] },
}

function problemsOf(raw: unknown, env: Record<string, string> = {}): string[] {
  const result = parseConfig(raw, { baseDir: '/etc/tapgate', env })
  return result.ok ? [] : result.problems
}

describe('config validation', () => {
  it('accepts a minimal config and fills in the documented defaults', () => {
    const result = parseConfig(minimal, { baseDir: '/etc/tapgate', env: {} })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.config.listen).toEqual({ host: '127.0.0.1', port: 8080 })
    expect(result.config.prefix).toBe('/_tapgate')
    expect(result.config.default_policy).toBe('two_factor')
    expect(result.config.session).toEqual({
      cookie_name: 'tapgate_session',
      idle: 1_800_000,
      absolute: 43_200_000,
      pending: 300_000,
    })
    expect(result.config.first_factor.success.status).toEqual([302, 303])
    expect(result.config.store.embedded_path).toBe('/etc/tapgate/tapgate.db')
  })

  it('reports every problem, one line each, naming the key path, what was expected and what was found', () => {
    expect(
      problemsOf({
        ...minimal,
        public_url: 'ftp://x',
        rules: [{ prefix: '/api/', policy: 'bypass' }, { path: '/x', policy: 'allow' }, { policy: 'deny' }],
        session: { idle: 'forever' },
        regulation: { window: '1h', ban_time: '5m' },
        surprise: 1,
      }),
    ).toEqual([
      "public_url: expected an http or https origin such as https://panel.example.com, got 'ftp://x'",
      "rules.1.policy: expected one of bypass|two_factor|deny, got 'allow'",
      'rules.2: expected exactly one of path, prefix or regex',
      "session.idle: expected a duration such as '30s', '5m', '12h' or '30d', got 'forever'",
      "(top level): unknown key 'surprise'",
    ])
  })

  it('takes upstream.tls for an https:// panel, its files relative to the config file', () => {
    const result = parseConfig(
      {
        ...minimal,
        upstream: {
          url: 'https://127.0.0.1:2083',
          tls: { ca_file: 'panel.pem', server_name: 'server.example' },
        },
      },
      { baseDir: '/etc/tapgate', env: {} },
    )
    if (!result.ok) throw new Error(result.problems.join('\n'))
    expect(result.config.upstream.tls).toEqual({
      ca_file: '/etc/tapgate/panel.pem',
      server_name: 'server.example',
      reject_unauthorized: true,
    })
  })

  it('refuses upstream.tls for an http:// panel, and a client certificate without its key', () => {
    expect(
      problemsOf({ ...minimal, upstream: { url: 'http://127.0.0.1:2082', tls: { ca_file: 'x' } } }),
    ).toEqual(['upstream.tls: expected an https:// upstream.url, since tls applies only to one'])
    expect(
      problemsOf({ ...minimal, upstream: { url: 'https://127.0.0.1:2083', tls: { cert_file: 'c.pem' } } }),
    ).toEqual(['upstream.tls: expected cert_file and key_file together'])
  })

  it('reports an unparsable URL as a problem, not a crash', () => {
    expect(problemsOf({ ...minimal, public_url: 'nope', upstream: { url: 'also nope' } })).toEqual([
      "public_url: expected an http or https origin such as https://panel.example.com, got 'nope'",
      "upstream.url: expected an absolute http or https URL, got 'also nope'",
    ])
  })

  it('refuses a trusted-device lifetime no browser keeps a cookie for (over 400 days)', () => {
    expect(problemsOf({ ...minimal, trusted_devices: { lifetime: '400d' } })).toEqual([])
    const [problem] = problemsOf({ ...minimal, trusted_devices: { lifetime: '401d' } })
    expect(problem).toMatch(/^trusted_devices\.lifetime: at most 400d: browsers keep no cookie longer/)
  })

  it('checks values across fields once each field is valid', () => {
    expect(problemsOf({ ...minimal, regulation: { window: '1h', ban_time: '5m' } })).toEqual([
      'regulation.window: expected a window no longer than regulation.ban_time',
    ])
  })

  it('takes forward_auth.proxy by name, and only with the proxy in trusted_proxies', () => {
    const asked = { ...minimal, forward_auth: { proxy: 'caddy' } }
    expect(problemsOf({ ...asked, trusted_proxies: ['127.0.0.1'] })).toEqual([])
    expect(problemsOf(asked)).toEqual([
      'trusted_proxies: expected the address of the caddy that asks, with forward_auth.proxy',
    ])
    expect(problemsOf({ ...minimal, forward_auth: { proxy: 'haproxy' } })).toEqual([
      "forward_auth.proxy: expected one of nginx|traefik|caddy, got 'haproxy'",
    ])
  })

  it('names missing required keys', () => {
    expect(problemsOf({ public_url: 'http://localhost:3000' })).toEqual([
      'upstream: required (expected object)',
      "first_factor.panel_cookies: expected the panel's session cookie names (or success.set_cookie) with mode: upstream",
      'encryption_key: required (expected string)',
    ])
  })

  it('takes the panel session cookies by name or with pass_to_browser, and checks the new login keys', () => {
    const result = parseConfig(
      {
        ...minimal,
        first_factor: {
          panel_cookies: ['sessionid', { name: 'wp_auth', pass_to_browser: true }],
          login_when: { field: 'do', equals: 'login' },
          logout_paths: ['/logout', { path: '/doku.php', query: 'do', equals: 'logout' }],
          confirm_identity: { path: '/admin/', regex: 'Welcome, <strong>([^<]+)</strong>' },
        },
      },
      { baseDir: '/etc/tapgate', env: {} },
    )
    expect(result.ok && result.config.first_factor.panel_cookies).toEqual([
      { name: 'sessionid', pass_to_browser: false },
      { name: 'wp_auth', pass_to_browser: true },
    ])
    expect(result.ok && result.config.first_factor.logout_paths).toEqual([
      { path: '/logout' },
      { path: '/doku.php', query: 'do', equals: 'logout' },
    ])
    const ff = (first_factor: Record<string, unknown>) => problemsOf({ ...minimal, first_factor })
    expect(ff({ success: { set_cookie: 'sid' } })).toEqual([])
    expect(ff({ panel_cookies: ['bad name'] })).toEqual([
      "first_factor.panel_cookies.0: expected a cookie name such as sessionid, got 'bad name'",
    ])
    expect(ff({ panel_cookies: ['s'], login_when: { field: 'do', query: 'do', equals: 'login' } })).toEqual([
      'first_factor.login_when: expected exactly one of field or query',
    ])
    expect(ff({ panel_cookies: ['s'], confirm_identity: { cookie: 'u', header: 'X-User' } })).toEqual([
      'first_factor.confirm_identity: expected exactly one of cookie, header, path or json_pointer',
    ])
    expect(ff({ panel_cookies: ['s'], confirm_identity: { path: '/me' } })).toEqual([
      'first_factor.confirm_identity.path: expected a path with exactly one of regex or json_pointer',
    ])
    expect(ff({ panel_cookies: ['s'], confirm_identity: { path: '/me', regex: 'no group' } })).toEqual([
      "first_factor.confirm_identity.regex: expected a regular expression with a capture group around the username, got 'no group'",
    ])
    expect(
      problemsOf({ ...minimal, rules: [{ prefix: '/x', policy: 'two_factor', panel_cookies: 'pass' }] }),
    ).toEqual(['rules.0.panel_cookies: expected panel_cookies: pass only on a bypass rule'])
  })

  it('rejects bad networks, regexes and listen addresses with their key paths', () => {
    expect(
      problemsOf({
        ...minimal,
        listen: 'localhost',
        trusted_proxies: ['10.0.0.0/33'],
        rules: [{ regex: '(', policy: 'bypass' }],
      }),
    ).toEqual([
      "listen: expected 'host:port', such as '127.0.0.1:8080', got 'localhost'",
      "trusted_proxies.0: expected an IP address or CIDR network such as '10.0.0.0/8', got '10.0.0.0/33'",
      "rules.0.regex: expected a valid regular expression, got '('",
    ])
  })

  it('never prints a secret, not even a wrong one', () => {
    const problems = problemsOf({ ...minimal, encryption_key: 'short-secret-value' })
    expect(problems).toEqual(['encryption_key: expected at least 32 characters, got (hidden)'])
    expect(problems.join('\n')).not.toContain('short-secret-value')
  })
})

describe('secrets from the environment or a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tapgate-config-'))
  const { encryption_key: _, ...withoutKey } = minimal

  it('reads <key>_file relative to the config file', () => {
    writeFileSync(join(dir, 'key.txt'), `${'f'.repeat(40)}\n`)
    const result = parseConfig({ ...withoutKey, encryption_key_file: 'key.txt' }, { baseDir: dir, env: {} })
    expect(result.ok && result.config.encryption_key).toBe('f'.repeat(40))
  })

  it('takes TAPGATE_ENCRYPTION_KEY and TAPGATE_STORE_REDIS_URL from the environment', () => {
    const result = parseConfig(withoutKey, {
      baseDir: dir,
      env: { TAPGATE_ENCRYPTION_KEY: 'e'.repeat(40), TAPGATE_STORE_REDIS_URL: 'redis://:pw@redis:6379/0' },
    })
    expect(result.ok && result.config.encryption_key).toBe('e'.repeat(40))
    expect(result.ok && result.config.store.redis_url).toBe('redis://:pw@redis:6379/0')
  })

  it('refuses a secret given twice, and a file that cannot be read', () => {
    expect(problemsOf({ ...minimal, encryption_key_file: 'key.txt' })).toEqual([
      'encryption_key: expected either encryption_key or encryption_key_file, got both',
    ])
    expect(problemsOf({ ...withoutKey, encryption_key_file: 'missing.txt' })).toEqual([
      "encryption_key_file: cannot read 'missing.txt' (ENOENT)",
    ])
  })

  it('reports a rule path that is not in normalised form, and an upstream URL with a path', () => {
    expect(problemsOf({ ...minimal, rules: [{ prefix: '/api/../admin', policy: 'bypass' }] })).toEqual([
      "rules.0.prefix: expected the normalised form '/admin' but it's '/api/../admin'",
    ])
    expect(problemsOf({ ...minimal, upstream: { url: 'http://127.0.0.1:2082/panel/' } })).toEqual([
      "upstream.url: expected only scheme, host and port, such as 'http://127.0.0.1:2082', got 'http://127.0.0.1:2082/panel/'",
    ])
  })

  it('reports unreadable files and YAML syntax errors in one line', () => {
    expect(loadConfigFile(join(dir, 'nope.yaml'))).toEqual({
      ok: false,
      problems: [`${join(dir, 'nope.yaml')}: cannot read the config file (ENOENT)`],
    })
    writeFileSync(join(dir, 'bad.yaml'), 'listen: [unclosed\n')
    const result = loadConfigFile(join(dir, 'bad.yaml'))
    expect(result.ok).toBe(false)
    expect(!result.ok && result.problems[0]).toMatch(/bad\.yaml: not valid YAML: /)
  })

  it('resolves factors.webauthn.metadata_file from the config directory and reports an unusable one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapgate-config-'))
    writeFileSync(
      join(dir, 'blob.json'),
      JSON.stringify(
        metadataPayload([
          metadataEntry({ aaguid: '2fc0579f-8113-47ea-b116-bb5a8db9202a', description: 'YubiKey 5 NFC' }),
        ]),
      ),
    )
    const withFile = (file: string) => ({ ...minimal, factors: { webauthn: { metadata_file: file } } })
    const result = parseConfig(withFile('blob.json'), { baseDir: dir, env: {} })
    expect(result.ok && result.config.factors.webauthn.metadata_file).toBe(join(dir, 'blob.json'))
    expect(parseConfig(withFile('missing.jwt'), { baseDir: dir, env: {} })).toEqual({
      ok: false,
      problems: [`factors.webauthn.metadata_file: cannot read '${join(dir, 'missing.jwt')}' (ENOENT)`],
    })
  })
})

describe('the store section', () => {
  const withStore = (store: Record<string, unknown>) => ({ ...minimal, store })
  const storeOf = (
    store: Record<string, unknown>,
    env: Record<string, string> = {},
    baseDir = '/etc/tapgate',
  ) => {
    const result = parseConfig(withStore(store), { baseDir, env })
    if (!result.ok) throw new Error(result.problems.join('\n'))
    return result.config.store
  }

  it('takes standalone, Sentinel and Cluster shapes, with TLS files relative to the config file', () => {
    expect(
      storeOf({ redis_url: 'rediss://redis.internal:6380/2', tls: { ca_file: 'redis-ca.pem' } }),
    ).toEqual({
      redis_url: 'rediss://redis.internal:6380/2',
      tls: { ca_file: '/etc/tapgate/redis-ca.pem', reject_unauthorized: true },
      embedded_path: '/etc/tapgate/tapgate.db',
      key_prefix: 'tapgate:',
    })
    const sentinel = storeOf({
      sentinels: ['10.0.0.1:26379', '[fd00::2]:26379', 'sentinel-3.internal:26379'],
      sentinel_name: 'tapgate',
      sentinel_password: 'sentinel secret',
      password: 'redis secret',
      tls: { cert_file: 'client.pem', key_file: '/etc/ssl/client.key', server_name: 'redis.internal' },
    })
    expect(sentinel.sentinels).toEqual(['10.0.0.1:26379', '[fd00::2]:26379', 'sentinel-3.internal:26379'])
    expect(sentinel.tls).toEqual({
      cert_file: '/etc/tapgate/client.pem',
      key_file: '/etc/ssl/client.key',
      server_name: 'redis.internal',
      reject_unauthorized: true,
    })
    const cluster = storeOf({
      cluster_nodes: ['redis://10.0.0.1:7000', 'redis://10.0.0.2:7000'],
      username: 'gw',
    })
    expect(cluster.cluster_nodes).toEqual(['redis://10.0.0.1:7000', 'redis://10.0.0.2:7000'])
  })

  it('takes the Redis passwords from a file or the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapgate-config-'))
    writeFileSync(join(dir, 'redis-password'), 'from file\n')
    const cluster = { cluster_nodes: ['redis://10.0.0.1:7000'] }
    expect(storeOf({ ...cluster, password_file: 'redis-password' }, {}, dir).password).toBe('from file')
    const sentinel = { sentinels: ['10.0.0.1:26379'], sentinel_name: 'tapgate' }
    const fromEnv = storeOf(sentinel, {
      TAPGATE_STORE_PASSWORD: 'redis env',
      TAPGATE_STORE_SENTINEL_PASSWORD: 'sentinel env',
    })
    expect([fromEnv.password, fromEnv.sentinel_password]).toEqual(['redis env', 'sentinel env'])
  })

  it('refuses more than one shape, and keys that belong to another shape', () => {
    expect(
      problemsOf(withStore({ redis_url: 'redis://r:6379', sentinels: ['s:26379'], sentinel_name: 'm' })),
    ).toEqual([
      'store.sentinels: expected one of redis_url, sentinels or cluster_nodes, got redis_url and sentinels',
    ])
    expect(problemsOf(withStore({ sentinels: ['s:26379'] }))).toEqual([
      'store.sentinel_name: required with sentinels (the name of the master group they watch)',
    ])
    expect(
      problemsOf(
        withStore({ cluster_nodes: ['redis://c:7000'], sentinel_name: 'm', sentinel_password: 'x' }),
      ),
    ).toEqual([
      'store.sentinel_name: expected only with sentinels',
      'store.sentinel_password: expected only with sentinels, got (hidden)',
    ])
    expect(problemsOf(withStore({ username: 'gw', tls: {} }))).toEqual([
      'store.username: expected only with redis_url, sentinels or cluster_nodes',
      'store.tls: expected only with redis_url, sentinels or cluster_nodes',
    ])
  })

  it('names each bad address, and asks for rediss:// wherever tls is configured', () => {
    expect(
      problemsOf(
        withStore({
          cluster_nodes: ['redis://c1:7000', 'rediss://c2:7000', 'redis://gw:pw@c3:7000', 'c4:7000'],
          tls: { cert_file: 'client.pem' },
        }),
      ),
    ).toEqual([
      "store.cluster_nodes.2: expected a URL such as 'redis://10.0.0.1:6379', with no user, password or database, got 'redis://gw:pw@c3:7000'",
      "store.cluster_nodes.3: expected a URL such as 'redis://10.0.0.1:6379', with no user, password or database, got 'c4:7000'",
      'store.tls: expected cert_file and key_file together',
      'store.cluster_nodes: expected every node to use redis://, or every node rediss://',
      'store.tls: expected rediss:// cluster_nodes with tls',
    ])
    expect(problemsOf(withStore({ sentinels: ['s1', 's2:0', 'user@s3:26379'], sentinel_name: 'm' }))).toEqual(
      [
        "store.sentinels.0: expected 'host:port', such as '10.0.0.1:26379', got 's1'",
        "store.sentinels.1: expected 'host:port', such as '10.0.0.1:26379', got 's2:0'",
        "store.sentinels.2: expected 'host:port', such as '10.0.0.1:26379', got 'user@s3:26379'",
      ],
    )
    expect(problemsOf(withStore({ redis_url: 'redis://r:6379', tls: { ca_file: 'ca.pem' } }))).toEqual([
      'store.tls: expected rediss:// in redis_url with tls',
    ])
  })

  it('never prints a Redis URL or password, not even a wrong one', () => {
    const problems = [
      ...problemsOf(withStore({ redis_url: 'redis://:hunter2@r:6379?db=1' })),
      ...problemsOf(withStore({ redis_url: 'redis://:hunter2@r:6379', password: 'hunter3' })),
      ...problemsOf(withStore({ redis_url: 'redis://r:6379', password: 42 })),
    ]
    expect(problems).toEqual([
      "store.redis_url: expected a URL such as 'redis://host:6379/0' or 'rediss://host:6380', with no query string, got (hidden)",
      'store: expected the user and password either in redis_url or as username and password, not both',
      'store.password: expected string, got (hidden)',
    ])
    expect(problems.join('\n')).not.toMatch(/hunter|42/)
  })
})

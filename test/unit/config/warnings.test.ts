import { describe, expect, it } from 'vitest'
import { configWarnings } from '../../../gateway/config/warnings.ts'
import { parseConfig } from '../../../gateway/load-config.ts'

function warningsFor(extra: Record<string, unknown>): string[] {
  const loaded = parseConfig(
    {
      public_url: 'https://panel.example.com',
      upstream: { url: 'http://127.0.0.1:2082' },
      encryption_key: 'k'.repeat(40),
      ...extra,
      first_factor: { panel_cookies: ['sid'], ...(extra.first_factor as object) },
    },
    { baseDir: '/etc/tapgate', env: {} },
  )
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'))
  return configWarnings(loaded.config).map((warning) => warning.key)
}

const confirmed = { confirm_identity: { cookie: 'user' } }

describe('settings that are valid but weaken what tapgate promises', () => {
  it('upstream mode with neither confirm_identity nor invite-only first enrollment', () => {
    expect(warningsFor({})).toEqual(['first_factor.confirm_identity'])
    expect(warningsFor({ first_factor: confirmed })).toEqual([])
    expect(warningsFor({ enrollment: { first_enrollment: 'invite' } })).toEqual([])
  })

  it('a panel session cookie the browser gets too', () => {
    const first_factor = { ...confirmed, panel_cookies: ['sid', { name: 'token', pass_to_browser: true }] }
    expect(warningsFor({ first_factor })).toEqual(['first_factor.panel_cookies.1.pass_to_browser'])
  })

  it('an override header kept for the panel', () => {
    const upstream = { url: 'http://127.0.0.1:2082', keep_override_headers: ['X-HTTP-Method-Override'] }
    expect(warningsFor({ first_factor: confirmed, upstream })).toEqual(['upstream.keep_override_headers.0'])
  })

  it('a bypass rule that passes panel cookies to anyone, not only to known networks', () => {
    const rules = [
      { prefix: '/api/', policy: 'bypass', panel_cookies: 'pass' },
      { prefix: '/billing/', policy: 'bypass', panel_cookies: 'pass', networks: ['10.0.0.0/8'] },
    ]
    expect(warningsFor({ first_factor: confirmed, rules })).toEqual(['rules.0.panel_cookies'])
  })

  it('a cap per client address that lets one client hold every connection to the panel', () => {
    const upstream = { url: 'http://127.0.0.1:2082', pool: { max_sockets: 32 } }
    expect(warningsFor({ first_factor: confirmed, upstream })).toEqual(['limits.per_ip_concurrency'])
    const limits = { per_ip_concurrency: 31 }
    expect(warningsFor({ first_factor: confirmed, upstream, limits })).toEqual([])
  })
})

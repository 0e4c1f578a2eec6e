import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { tapgatePages } from '../../../gateway/app.ts'
import { noticeText, tapgateUrls } from '../../../gateway/http/tapgate-urls.ts'
import { parseConfig } from '../../../gateway/load-config.ts'
import { createServices } from '../../../gateway/services.ts'
import { FixedClock } from '../../support/clock.ts'
import { tempSqliteStore } from '../../support/temp-sqlite-store.ts'

/** Every address the table holds; its functions called with a sample user and notice. */
function addressesIn(node: unknown): string[] {
  if (typeof node === 'string') return [node]
  if (typeof node === 'function') return [node.length === 2 ? node('alice', 'reset') : node('alice')]
  return Object.values(node as Record<string, unknown>).flatMap(addressesIn)
}

/** tapgate's pages with every optional route mounted: local sign-in, every factor, invites, forward-auth, a logo and colour. */
function everyPageMounted() {
  const clock = new FixedClock()
  const { store, dir } = tempSqliteStore(clock)
  const usersFile = join(dir, 'users.yaml')
  writeFileSync(usersFile, 'users: {}\n')
  writeFileSync(join(dir, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  const loaded = parseConfig(
    {
      public_url: 'https://panel.example.com',
      upstream: { url: 'http://127.0.0.1:9' },
      encryption_key: 'k'.repeat(40),
      prefix: '/gate',
      first_factor: { mode: 'local', users_file: usersFile },
      enrollment: { first_enrollment: 'invite' },
      forward_auth: { proxy: 'nginx' },
      ui: { logo: 'logo.svg', accent: '#0b7a75' },
      trusted_proxies: ['127.0.0.1'],
      factors: {
        webauthn: { passwordless: true },
        yubico_otp: { enabled: true, mode: 'cloud', client_id: 1, api_key: 'a2V5' },
        sms: { enabled: true, notifier: { type: 'log' } },
      },
    },
    { baseDir: dir, env: {} },
  )
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'))
  const s = createServices({ config: loaded.config, store, clock, log: pino({ enabled: false }) })
  return { s, routes: tapgatePages(s).routes }
}

describe("tapgate's URL table", () => {
  it('names only addresses a mounted route answers, all under the prefix', () => {
    const { s, routes } = everyPageMounted()
    // Handlers, not middleware (mounted on `*` paths) or the not-found fallback.
    const patterns = routes
      .filter(({ path }) => !path.endsWith('*'))
      .map(({ path }) => new RegExp(`^${path.replace(/:[a-z]+/g, '[^/]+')}/?$`))
    const addresses = addressesIn(s.urls).filter((address) => address !== s.urls.prefix)
    expect(addresses.length).toBeGreaterThan(40)
    const unanswered = addresses.filter((address) => {
      const path = address.split('?')[0] ?? ''
      return !patterns.some((pattern) => pattern.test(path))
    })
    expect(unanswered).toEqual([])
    for (const address of addresses) expect(address.startsWith('/gate/')).toBe(true)
  })

  it('encodes a username into one path segment', () => {
    const urls = tapgateUrls('/_tapgate')
    expect(urls.admin.user('a/b c?')).toBe('/_tapgate/admin/users/a%2Fb%20c%3F')
    expect(urls.admin.resetUser('ä')).toBe('/_tapgate/admin/users/%C3%A4/reset')
  })

  it("reads a notice code from the page's own table only", () => {
    const texts = { saved: 'Saved.' }
    expect(noticeText(texts, 'saved')).toBe('Saved.')
    for (const code of [undefined, '', 'other', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(noticeText(texts, code), `?notice=${code}`).toBeUndefined()
    }
  })
})

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hash } from '@node-rs/argon2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { argon2Options } from '../../gateway/first-factor/local-users.ts'
import { safeRedirectTarget } from '../../gateway/http/redirect-target.ts'
import { BrowserClient, csrfTokenIn } from '../support/browser-client.ts'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { enrollTotp } from '../support/sign-in.ts'
import { totpCode } from '../support/totp-codes.ts'

/**
 * DESIGN invariant 4: after the second factor tapgate redirects only to a same-origin path. The
 * destination comes from the panel's Location header, which a panel may build from user input
 * (`?next=`), or from `rd` on tapgate's own sign-in page, so every entry of
 * test/corpus/open-redirects.txt must land on "/".
 */
const attempts = readFileSync(new URL('../corpus/open-redirects.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => JSON.parse(line) as string)

describe('safeRedirectTarget', () => {
  it.each(attempts)('refuses %j', (attempt) => {
    expect(safeRedirectTarget(attempt, 'https://panel.example.com')).toBeNull()
  })

  it.each([
    ['/dashboard', '/dashboard'],
    ['/files?dir=/home#top', '/files?dir=/home#top'],
    ['https://panel.example.com/dashboard', '/dashboard'],
  ])('keeps %j as %j', (candidate, expected) => {
    expect(safeRedirectTarget(candidate, 'https://panel.example.com')).toBe(expected)
  })
})

describe('a panel that redirects wherever its login form says', () => {
  let panel: http.Server
  let gateway: TestGateway

  beforeAll(async () => {
    // Accepts any password and sends the user to the form's `next` field, as careless panels do.
    panel = http.createServer((req, res) => {
      let body = ''
      req.on('data', (chunk) => {
        body += chunk
      })
      req.on('end', () => {
        const next = new URLSearchParams(body).get('next') ?? '/dashboard'
        res.writeHead(req.method === 'POST' ? 302 : 200, {
          Location: next,
          'Set-Cookie': 'PANELSESSID=x; Path=/',
        })
        res.end()
      })
    })
    await new Promise<void>((resolve) => panel.listen(0, '127.0.0.1', resolve))
    gateway = await startTestGateway({
      upstreamUrl: `http://127.0.0.1:${(panel.address() as AddressInfo).port}`,
      config: {
        first_factor: { login_path: '/login', success: { status: [302] }, panel_cookies: ['PANELSESSID'] },
      },
    })
  })
  afterAll(async () => {
    await gateway.close()
    panel.close()
  })

  it('sends the user to "/" instead of any off-site target', async () => {
    const secret = await enrollTotp(new BrowserClient(gateway.url), gateway.clock)
    // Node refuses to send control characters in a header, so those attempts are covered above only.
    for (const attempt of attempts.filter((a) => !hasControlCharacter(a))) {
      gateway.clock.advance(30_000)
      const browser = new BrowserClient(gateway.url)
      await browser.postForm('/login', { username: 'demo', password: 'x', next: attempt })
      const csrf = csrfTokenIn(await (await browser.get('/_tapgate/2fa')).text())
      const done = await browser.postForm('/_tapgate/2fa', {
        csrf,
        code: await totpCode(secret, gateway.clock),
      })
      expect({ attempt, status: done.status, location: done.headers.get('location') }).toEqual({
        attempt,
        status: 303,
        location: '/',
      })
    }
  })
})

describe("tapgate's own sign-in page, told where to go next by `rd`", () => {
  let upstream: http.Server
  let gateway: TestGateway

  beforeAll(async () => {
    upstream = http.createServer((_req, res) => res.end('panel'))
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    // A service account exempt from the second factor: the password alone ends in the redirect.
    const usersFile = join(mkdtempSync(join(tmpdir(), 'tapgate-rd-')), 'users.yaml')
    const password = await hash('svc-password', argon2Options)
    writeFileSync(usersFile, JSON.stringify({ users: { svc: { password, groups: ['service'] } } }))
    gateway = await startTestGateway({
      upstreamUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      config: {
        first_factor: { mode: 'local', users_file: usersFile },
        enrollment: { exempt_groups: ['service'] },
      },
    })
  })
  afterAll(async () => {
    await gateway.close()
    upstream.close()
  })

  it('neither offers nor follows an off-site target', async () => {
    for (const attempt of attempts.filter((a) => !hasControlCharacter(a))) {
      const browser = new BrowserClient(gateway.url)
      const page = await (await browser.get(`/_tapgate/login?rd=${encodeURIComponent(attempt)}`)).text()
      const offered = /name="rd" value="([^"]*)"/.exec(page)?.[1] ?? null
      const done = await browser.postForm('/_tapgate/login', {
        csrf: csrfTokenIn(page),
        username: 'svc',
        password: 'svc-password',
        rd: attempt,
      })
      expect({ attempt, offered, status: done.status, location: done.headers.get('location') }).toEqual({
        attempt,
        offered: null,
        status: 303,
        location: '/',
      })
    }
  })
})

function hasControlCharacter(text: string): boolean {
  return [...text].some((char) => char.charCodeAt(0) < 0x20)
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { rawRequest } from '../support/raw-http.ts'

/**
 * /_tapgate/verify asked directly, as a proxy would ask it, or as a client that reaches tapgate or
 * slips headers past its proxy would: the question is read only in the configured proxy's headers, only
 * from trusted_proxies, only when it is unambiguous, and an address of tapgate's own is never a 200.
 */
const rules = [
  { prefix: '/api/', policy: 'bypass' },
  { prefix: '/echo/reports/', methods: ['GET'], policy: 'bypass' },
]
// verify never calls the panel.
const upstreamUrl = 'http://127.0.0.1:9'

function localMode(config: Record<string, unknown>) {
  return {
    first_factor: { mode: 'local', users_file: 'config/users/example-users.yaml' },
    rules,
    ...config,
  }
}

/** Caddy's question for a GET of `uri`, as Caddy sends it. */
function caddyAsks(uri: string, extra: Record<string, string> = {}) {
  return { accept: 'application/json', 'X-Forwarded-Uri': uri, 'X-Forwarded-Method': 'GET', ...extra }
}

let behindCaddy: TestGateway
let withoutForwardAuth: TestGateway
let behindAnotherAddress: TestGateway

beforeAll(async () => {
  ;[behindCaddy, withoutForwardAuth, behindAnotherAddress] = await Promise.all([
    startTestGateway({
      upstreamUrl,
      config: localMode({ trusted_proxies: ['127.0.0.1/32'], forward_auth: { proxy: 'caddy' } }),
    }),
    startTestGateway({ upstreamUrl, config: localMode({ trusted_proxies: ['127.0.0.1/32'] }) }),
    startTestGateway({
      upstreamUrl,
      config: localMode({ trusted_proxies: ['10.9.9.9/32'], forward_auth: { proxy: 'caddy' } }),
    }),
  ])
})
afterAll(async () => {
  await Promise.all(
    [behindCaddy, withoutForwardAuth, behindAnotherAddress].map((gateway) => gateway?.close()),
  )
})

function ask(gateway: TestGateway, headers: Record<string, string>) {
  return fetch(`${gateway.url}/_tapgate/verify`, { headers })
}

function refusals(gateway: TestGateway): string[] {
  return gateway.logs
    .filter((line) => line.event === 'forward_auth_refused')
    .map((line) => String(line.reason))
}

describe('/_tapgate/verify', () => {
  it('does not exist unless forward_auth.proxy names the proxy', async () => {
    expect((await ask(withoutForwardAuth, caddyAsks('/api/ping'))).status).toBe(404)
  })

  it('believes the question only from trusted_proxies', async () => {
    expect((await ask(behindAnotherAddress, caddyAsks('/api/ping'))).status).toBe(403)
    expect(refusals(behindAnotherAddress)).toEqual(['not from trusted_proxies'])
  })

  it('refuses a question that also carries the other proxy’s headers (400, logged)', async () => {
    const answer = await ask(behindCaddy, caddyAsks('/echo/admin', { 'X-Original-URI': '/api/ping' }))
    expect(answer.status).toBe(400)
    expect(refusals(behindCaddy)).toContain('x-original-uri sent to a forward-auth question of caddy')
  })

  it('refuses a question naming the method or path twice (400, logged)', async () => {
    const twice = [
      ['X-Forwarded-Uri: /echo/reports/1', 'X-Forwarded-Method: GET', 'X-Forwarded-Method: DELETE'],
      ['X-Forwarded-Uri: /api/ping', 'X-Forwarded-Uri: /echo/admin', 'X-Forwarded-Method: GET'],
    ]
    for (const headers of twice) {
      const answer = await rawRequest(behindCaddy.url, 'GET', '/_tapgate/verify', headers)
      expect(answer.status, headers.join(' | ')).toBe(400)
    }
    expect(refusals(behindCaddy)).toEqual(
      expect.arrayContaining([
        'x-forwarded-method sent more than once',
        'x-forwarded-uri sent more than once',
      ]),
    )
  })

  it('refuses a question that names no request, rather than guessing one', async () => {
    const answer = await ask(behindCaddy, { accept: 'application/json', 'X-Forwarded-Method': 'GET' })
    expect(answer.status).toBe(400)
    expect(refusals(behindCaddy)).toContain('x-forwarded-uri missing')
  })

  it.each(['/_tapgate', '/_tapgate/x', '/_tapgate/../_tapgate/2fa'])(
    'answers 404, never 200, for %s: tapgate’s, never the panel’s',
    async (uri) => {
      expect((await ask(behindCaddy, caddyAsks(uri))).status).toBe(404)
    },
  )

  it('names every identity header in each 200, empty on a bypassed path', async () => {
    const answer = await ask(behindCaddy, caddyAsks('/api/ping'))
    expect(answer.status).toBe(200)
    for (const name of ['Remote-User', 'Remote-Name', 'Remote-Email', 'Remote-Groups', 'X-Tapgate-Cookie']) {
      expect(answer.headers.get(name), name).toBe('')
    }
  })
})

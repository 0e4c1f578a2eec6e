import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { NetworkSet } from '../../../gateway/http/networks.ts'
import { PublicAddress } from '../../../gateway/http/public-address.ts'

const address = new PublicAddress('http://localhost:3000', new NetworkSet(['10.0.0.1']))

function request(fields: {
  method?: string
  url?: string
  peer?: string
  headers?: Record<string, string>
}): IncomingMessage {
  const { method = 'GET', url = '/_tapgate/2fa', peer = '127.0.0.1', headers = {} } = fields
  return { method, url, headers, socket: { remoteAddress: peer } } as unknown as IncomingMessage
}

const navigate = { 'sec-fetch-mode': 'navigate' }

describe('PublicAddress', () => {
  it("sends a browser's navigation at another host to the same path at public_url", () => {
    const redirect = address.redirectFor(
      request({ url: '/login?next=%2Fdash', headers: { ...navigate, host: '127.0.0.1:3000' } }),
    )
    expect(redirect?.location).toBe('http://localhost:3000/login?next=%2Fdash')
    expect(redirect?.setCookie).toMatch(/^tapgate_address_redirect=1; Path=\/; Max-Age=60; HttpOnly/)
  })

  it.each([
    ['at public_url already', { headers: { ...navigate, host: 'localhost:3000' } }],
    ['spelt in capitals', { headers: { ...navigate, host: 'LOCALHOST:3000' } }],
    ['not a navigation (an API client, a script)', { headers: { host: '127.0.0.1:3000' } }],
    ['a form post', { method: 'POST', headers: { ...navigate, host: '127.0.0.1:3000' } }],
    [
      'one redirect ago (a proxy rewrites Host)',
      { headers: { ...navigate, host: '127.0.0.1:3000', cookie: 'a=b; tapgate_address_redirect=1' } },
    ],
    ['an absolute-form target', { url: 'http://evil.example/x', headers: { ...navigate, host: 'x' } }],
    ['a target that reads as another host', { url: '//evil.example/x', headers: { ...navigate, host: 'x' } }],
    [
      'named by a trusted proxy',
      {
        peer: '10.0.0.1',
        headers: { ...navigate, host: 'tapgate:8080', 'x-forwarded-host': 'localhost:3000' },
      },
    ],
  ])('serves the request here when it is %s', (_, fields) => {
    expect(address.redirectFor(request(fields))).toBeNull()
  })

  it('believes X-Forwarded-Host only from a trusted proxy', () => {
    const spoofed = request({
      headers: { ...navigate, host: '127.0.0.1:3000', 'x-forwarded-host': 'localhost:3000' },
    })
    expect(address.redirectFor(spoofed)?.location).toBe('http://localhost:3000/_tapgate/2fa')
  })

  it("reads a Host naming the scheme's default port as the host alone", () => {
    const https = new PublicAddress('https://panel.example.com', new NetworkSet([]))
    expect(https.redirectFor(request({ headers: { ...navigate, host: 'panel.example.com:443' } }))).toBeNull()
    expect(
      https.redirectFor(request({ headers: { ...navigate, host: 'panel.example.com:8443' } })),
    ).not.toBeNull()
  })
})

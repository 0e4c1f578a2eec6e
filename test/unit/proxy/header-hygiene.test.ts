import type { IncomingHttpHeaders } from 'node:http'
import { describe, expect, it } from 'vitest'
import { ClientHeaderFilter } from '../../../gateway/proxy/client-header-filter.ts'
import { downstreamResponseHeaders, upstreamRequestHeaders } from '../../../gateway/proxy/header-hygiene.ts'
import { IdentityHeaders } from '../../../gateway/proxy/identity-headers.ts'

const filter = new ClientHeaderFilter(
  new IdentityHeaders({
    user: 'Remote-User',
    name: 'Remote-Name',
    email: 'Remote-Email',
    groups: 'Remote-Groups',
  }),
  [],
)
const facts = {
  clientIp: '198.51.100.7',
  forwardedFor: '198.51.100.7',
  host: '127.0.0.1:2082',
  publicHost: 'panel.example.com',
  cookie: 'panel=1',
  filter,
}
/** What a client (or a proxy in front of tapgate) claims about the request. */
const claims: IncomingHttpHeaders = {
  host: 'evil.example',
  cookie: 'panel=1; tapgate_session=t',
  'x-forwarded-for': '10.9.8.7',
  'x-real-ip': '10.9.8.7',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-port': '8443',
  forwarded: 'for=10.9.8.7',
  accept: 'text/html',
}

/** Every value a header list gives `name`, joined as one header would be; undefined when none. */
function headerIn(headers: readonly string[], name: string): string | undefined {
  const values = headers.filter((_, i) => i % 2 === 1 && headers[i - 1] === name)
  return values.length === 0 ? undefined : values.join(', ')
}

describe('the request headers the panel receives', () => {
  it('names each header tapgate sets once, whatever the client sent under the same names', () => {
    for (const peerTrusted of [false, true]) {
      const sent = upstreamRequestHeaders(claims, { ...facts, peerTrusted })
      const names = sent.filter((_, i) => i % 2 === 0)
      expect(names.length, `peer trusted: ${peerTrusted}`).toBe(new Set(names).size)
    }
  })

  it('leaves out the names the caller withholds, and keeps a repeated header as repeated values', () => {
    const incoming = { ...claims, authorization: 'Basic eA==', 'x-list': ['a', 'b'] }
    const sent = upstreamRequestHeaders(
      incoming,
      { ...facts, peerTrusted: false },
      new Set(['authorization']),
    )
    expect(headerIn(sent, 'authorization')).toBeUndefined()
    expect(sent.filter((_, i) => i % 2 === 1 && sent[i - 1] === 'x-list')).toEqual(['a', 'b'])
  })

  it.each([
    ['host', false, '127.0.0.1:2082'],
    ['cookie', false, 'panel=1'],
    ['x-forwarded-for', false, '198.51.100.7'],
    ['x-real-ip', false, '198.51.100.7'],
    ['x-forwarded-proto', false, 'http'],
    ['x-forwarded-host', false, 'panel.example.com'],
    ['x-forwarded-port', false, undefined],
    ['forwarded', false, undefined],
    ['accept', false, 'text/html'],
    ['host', true, '127.0.0.1:2082'],
    ['cookie', true, 'panel=1'],
    ['x-forwarded-for', true, '198.51.100.7'],
    ['x-real-ip', true, '198.51.100.7'],
    ['x-forwarded-proto', true, 'https'],
    ['x-forwarded-host', true, 'evil.example'],
    ['x-forwarded-port', true, '8443'],
    ['forwarded', true, 'for=10.9.8.7'],
  ])('%s, peer trusted: %s → %j', (name, peerTrusted, sent) => {
    expect(headerIn(upstreamRequestHeaders(claims, { ...facts, peerTrusted }), name)).toBe(sent)
  })

  it.each([
    ['X-Forwarded-Proto', 'x-forwarded-proto', 'http'],
    ['X-Forwarded-Host', 'x-forwarded-host', 'panel.example.com'],
  ])('sets %s itself when even a trusted proxy sent none', (_case, name, sent) => {
    expect(headerIn(upstreamRequestHeaders({ accept: '*/*' }, { ...facts, peerTrusted: true }), name)).toBe(
      sent,
    )
  })

  it("drops the client's Cookie when tapgate's was its only cookie", () => {
    const sent = upstreamRequestHeaders(claims, { ...facts, cookie: undefined, peerTrusted: false })
    expect(headerIn(sent, 'cookie')).toBeUndefined()
  })

  it.each([
    ['a header the Connection header names', 'close, X-Debug', 'x-debug', undefined],
    ['one named in another case, among spaces', 'keep-alive ,  x-debug ', 'x-debug', undefined],
    ['a header not named', 'close, X-Other', 'x-debug', 'on'],
    ['a header, when Connection only says keep-alive', 'keep-alive', 'x-debug', 'on'],
  ])('%s: Connection: %s → %s is %j', (_case, connection, name, sent) => {
    const incoming = { connection, 'x-debug': 'on' }
    expect(headerIn(upstreamRequestHeaders(incoming, { ...facts, peerTrusted: false }), name)).toBe(sent)
  })
})

describe("the panel's response headers the browser receives", () => {
  it.each([
    [
      'hop-by-hop headers in any case',
      ['Keep-Alive', 'timeout=5', 'TRANSFER-ENCODING', 'chunked', 'upgrade', 'h2c'],
    ],
    ['the Connection header itself', ['Connection', 'close']],
    ['a header Connection names', ['Connection', 'X-Internal', 'x-internal', 'secret']],
    [
      'headers named by several Connection headers',
      ['Connection', 'X-A', 'connection', 'x-b, close', 'X-A', '1', 'X-B', '2'],
    ],
  ])('drops %s', (_case, raw) => {
    expect(downstreamResponseHeaders([...raw, 'X-Kept', 'yes'])).toEqual(['X-Kept', 'yes'])
  })

  it("keeps every Set-Cookie, in order, with the panel's casing", () => {
    const raw = [
      'Set-Cookie',
      'a=1',
      'set-cookie',
      'b=2',
      'SET-COOKIE',
      'a=; Max-Age=0',
      'Content-Type',
      'text/html',
    ]
    expect(downstreamResponseHeaders(raw)).toEqual(raw)
  })
})

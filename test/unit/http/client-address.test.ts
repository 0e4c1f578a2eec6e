import { describe, expect, it } from 'vitest'
import { forwardedForHeader, resolveClientAddress } from '../../../gateway/http/client-address.ts'
import { NetworkSet } from '../../../gateway/http/networks.ts'

const proxies = new NetworkSet(['10.0.0.0/8', '2001:db8:1::/48'])
const nobody = new NetworkSet([])

describe('resolveClientAddress', () => {
  it.each<[string, string | undefined, string]>([
    // An untrusted peer's X-Forwarded-For is its own claim: ignored (DESIGN.md invariant 3).
    ['198.51.100.7', '10.0.0.1', '198.51.100.7'],
    ['198.51.100.7', '127.0.0.1, 10.0.0.1', '198.51.100.7'],
    ['::ffff:198.51.100.7', '10.0.0.1', '198.51.100.7'],
    ['2001:db8:2::7', '10.0.0.1', '2001:db8:2::7'],
    // A trusted peer without X-Forwarded-For is the client.
    ['10.0.0.2', undefined, '10.0.0.2'],
    // Walked from the right, skipping trusted proxies.
    ['10.0.0.2', '198.51.100.7', '198.51.100.7'],
    ['10.0.0.2', '198.51.100.7, 10.0.0.3', '198.51.100.7'],
    ['10.0.0.2', '198.51.100.7,10.0.0.3 ,  10.0.0.4', '198.51.100.7'],
    ['::ffff:10.0.0.2', '::ffff:198.51.100.7', '198.51.100.7'],
    ['2001:db8:1::2', '2001:db8:2::7, 2001:db8:1::3', '2001:db8:2::7'],
    // A spoofed entry left of the real client is not reached.
    ['10.0.0.2', '10.9.9.9, 198.51.100.7', '198.51.100.7'],
    ['10.0.0.2', '127.0.0.1, 203.0.113.5, 10.0.0.3', '203.0.113.5'],
    // All trusted: the leftmost.
    ['10.0.0.2', '10.0.0.5, 10.0.0.4', '10.0.0.5'],
    // Garbage stops the walk at the last address a trusted hop vouched for.
    ['10.0.0.2', '198.51.100.7, unknown', '10.0.0.2'],
    ['10.0.0.2', '198.51.100.7, unknown, 10.0.0.3', '10.0.0.3'],
    ['10.0.0.2', 'unknown, 203.0.113.5', '203.0.113.5'],
    ['10.0.0.2', '198.51.100.7:4711', '10.0.0.2'],
    ['10.0.0.2', '[2001:db8:2::7]', '10.0.0.2'],
    ['10.0.0.2', '198.51.100.7,,10.0.0.3', '10.0.0.3'],
    ['10.0.0.2', '', '10.0.0.2'],
    ['10.0.0.2', ' , ', '10.0.0.2'],
  ])('peer %s with X-Forwarded-For %j → %s', (peer, forwardedFor, client) => {
    expect(resolveClientAddress(peer, forwardedFor, proxies)).toBe(client)
  })

  it('believes nothing when no proxy is trusted', () => {
    expect(resolveClientAddress('127.0.0.1', '198.51.100.7', nobody)).toBe('127.0.0.1')
  })
})

describe('forwardedForHeader', () => {
  it.each<[string, string | undefined, string]>([
    ['198.51.100.7', undefined, '198.51.100.7'],
    ['198.51.100.7', '10.9.9.9', '198.51.100.7'],
    ['::ffff:198.51.100.7', '127.0.0.1, 10.0.0.1', '198.51.100.7'],
    ['10.0.0.2', undefined, '10.0.0.2'],
    ['10.0.0.2', '', '10.0.0.2'],
    ['10.0.0.2', '198.51.100.7', '198.51.100.7, 10.0.0.2'],
    ['::ffff:10.0.0.2', '198.51.100.7, 10.0.0.3', '198.51.100.7, 10.0.0.3, 10.0.0.2'],
  ])('peer %s with X-Forwarded-For %j sends %j', (peer, forwardedFor, sent) => {
    expect(forwardedForHeader(peer, forwardedFor, proxies)).toBe(sent)
  })
})

describe('repeated X-Forwarded-For headers', () => {
  it('reads them as one list, in order', () => {
    expect(resolveClientAddress('10.0.0.2', ['198.51.100.7', '10.0.0.3'], proxies)).toBe('198.51.100.7')
    expect(forwardedForHeader('10.0.0.2', ['198.51.100.7', '10.0.0.3'], proxies)).toBe(
      '198.51.100.7, 10.0.0.3, 10.0.0.2',
    )
  })
})

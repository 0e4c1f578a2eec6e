import { describe, expect, it } from 'vitest'
import { ClientConcurrency } from '../../../gateway/limits/client-concurrency.ts'

describe('ClientConcurrency', () => {
  it('admits up to the cap per client, and one more once a place is given back', () => {
    const counts = new ClientConcurrency(2)
    const first = counts.enter('203.0.113.7')
    expect(first).not.toBeNull()
    expect(counts.enter('203.0.113.7')).not.toBeNull()
    expect(counts.enter('203.0.113.7')).toBeNull()
    expect(counts.enter('203.0.113.8')).not.toBeNull()
    first?.()
    expect(counts.enter('203.0.113.7')).not.toBeNull()
  })

  it('counts a release once, however often it is called', () => {
    const counts = new ClientConcurrency(2)
    const release = counts.enter('203.0.113.7')
    counts.enter('203.0.113.7')
    release?.()
    release?.()
    expect(counts.inProgress('203.0.113.7')).toBe(1)
  })

  it('counts an IPv6 /64, and an IPv4-mapped address as its IPv4 address', () => {
    const counts = new ClientConcurrency(1)
    expect(counts.enter('2001:db8:1:2::1')).not.toBeNull()
    expect(counts.enter('2001:db8:1:2:ffff::9')).toBeNull()
    expect(counts.enter('2001:db8:1:3::1')).not.toBeNull()
    expect(counts.enter('203.0.113.7')).not.toBeNull()
    expect(counts.enter('::ffff:203.0.113.7')).toBeNull()
  })

  it('forgets a client with nothing in progress', () => {
    const counts = new ClientConcurrency(3)
    const releases = [counts.enter('203.0.113.7'), counts.enter('203.0.113.7')]
    for (const release of releases) release?.()
    expect(counts.inProgress('203.0.113.7')).toBe(0)
    expect(counts.enter('203.0.113.7')).not.toBeNull()
  })
})

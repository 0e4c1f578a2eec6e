import { describe, expect, it } from 'vitest'
import { addressBlock } from '../../../gateway/http/address-block.ts'

describe('addressBlock', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
  ])('counts %s as %s', (address, block) => {
    expect(addressBlock(address)).toBe(block)
  })

  it('gives every spelling of one /64 the same block, and neighbouring /64s different ones', () => {
    const spellings = [
      '2001:db8:a:b::1',
      '2001:db8:a:b:0:0:0:2',
      '2001:DB8:A:B:1234::',
      '2001:db8:000a:000b::9',
    ]
    expect(new Set(spellings.map(addressBlock))).toEqual(new Set(['2001:db8:a:b::/64']))
    expect(addressBlock('2001:db8:a:c::1')).not.toBe(addressBlock('2001:db8:a:b::1'))
  })
})

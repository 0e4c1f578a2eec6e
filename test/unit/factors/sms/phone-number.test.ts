import { describe, expect, it } from 'vitest'
import { checkPhoneNumber, maskPhoneNumber } from '../../../../gateway/factors/sms/phone-number.ts'

describe('checkPhoneNumber', () => {
  it.each([
    ['+447700900123', '+447700900123'],
    ['+44 7700 900123', '+447700900123'],
    ['0044 7700 900 123', '+447700900123'],
    ['+44-7700-900-123', '+447700900123'],
    ['(+44) 7700.900.123', '+447700900123'],
    ['+1 (202) 555-0143', '+12025550143'],
    ['+1 202/555/0143', '+12025550143'],
    ['+33 6 12 34 56 78', '+33612345678'],
    ['\u00a0+61 491 570 006 ', '+61491570006'],
    ['+49 151 23456789', '+4915123456789'],
  ])('reads %j as %s', (input, number) => {
    expect(checkPhoneNumber(input)).toEqual({ ok: true, number })
  })

  it.each([
    ['', 'empty'],
    ['  - ', 'empty'],
    ['07700 900123', 'no_country_code'],
    ['7700900123', 'no_country_code'],
    ['+999 123 456 789', 'unknown_country'],
    ['+44 12', 'wrong_length'],
    ['+1 555', 'wrong_length'],
    ['+4477009001234567890', 'wrong_length'],
    ['+0 123 456 789', 'unknown_country'],
    ['+44 7700 9OO123', 'not_a_number'],
    ['call me maybe', 'not_a_number'],
    ['+44 7700 900123 ext 4', 'not_a_number'],
    ['+'.padEnd(41, '1'), 'not_a_number'],
  ])('refuses %j as %s', (input, problem) => {
    expect(checkPhoneNumber(input)).toEqual({ ok: false, problem })
  })
})

describe('maskPhoneNumber', () => {
  it('shows the country code and the last two digits, the same width whatever the length', () => {
    expect(maskPhoneNumber('+447700900123')).toBe('+44 •••• ••23')
    expect(maskPhoneNumber('+12025550143')).toBe('+1 •••• ••43')
    expect(maskPhoneNumber('+4915123456789')).toBe('+49 •••• ••89')
  })
})

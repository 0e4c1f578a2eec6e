import { describe, expect, it } from 'vitest'
import {
  formatReadableCode,
  newReadableCode,
  readReadableCode,
  withoutSeparators,
} from '../../../gateway/factors/typed-code.ts'

describe('withoutSeparators', () => {
  it.each([
    ['123 456', '123456'],
    ['123-456', '123456'],
    [' 123\u00a0456 ', '123456'],
    ['123\u2013456', '123456'],
    ['12 34 56', '123456'],
    ['123456', '123456'],
    ['12a456', '12a456'],
  ])('reads %j as %j: only spaces and dashes go', (typed, read) => {
    expect(withoutSeparators(typed)).toBe(read)
  })
})

describe('readable codes (recovery and enrollment codes)', () => {
  it('are 12 characters of Crockford base32, written in groups of four', () => {
    const code = newReadableCode()
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{12}$/)
    expect(formatReadableCode(code)).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/)
    expect(readReadableCode(formatReadableCode(code))).toBe(code)
  })

  it('read O as 0 and I or L as 1, as people copying codes off paper do, and ignore case and separators', () => {
    expect(readReadableCode('o1il-abcd-efgh')).toBe('0111ABCDEFGH')
    expect(readReadableCode('abcd efgh jkmn')).toBe('ABCDEFGHJKMN')
  })

  it.each([
    ['ABCD-EFGH-JKM', 'too short'],
    ['ABCD-EFGH-JKMU', 'U is not Crockford'],
    ['0111-ABCD-EFGU', 'U is not Crockford'],
    ['A'.repeat(65), 'too long to read'],
  ])('refuse %j (%s)', (typed) => {
    expect(readReadableCode(typed)).toBeNull()
  })
})

import { describe, expect, it } from 'vitest'
import { isWellFormedToken, newToken, tokenId } from '../../../gateway/session/token.ts'

const wellFormed = 'Ab0_-'.repeat(8).concat('xyz')

describe('newToken', () => {
  it('is 256 random bits as 43 base64url characters, different each time', () => {
    const tokens = Array.from({ length: 100 }, newToken)
    for (const token of tokens) expect(Buffer.from(token, 'base64url')).toHaveLength(32)
    expect(tokens.every(isWellFormedToken)).toBe(true)
    expect(new Set(tokens).size).toBe(100)
  })
})

describe('isWellFormedToken: a malformed cookie counts as no cookie', () => {
  it.each([
    ['43 base64url characters', wellFormed, true],
    ['absent', undefined, false],
    ['empty', '', false],
    ['one character short', wellFormed.slice(1), false],
    ['one character long', `${wellFormed}A`, false],
    ['base64 "+" and "/"', `${wellFormed.slice(2)}+/`, false],
    ['"=" padding', `${wellFormed.slice(1)}=`, false],
    ['a trailing newline', `${wellFormed.slice(1)}\n`, false],
    ['a space', ` ${wellFormed.slice(1)}`, false],
    ['a "%" escape', `${wellFormed.slice(3)}%41`, false],
    ['a non-ASCII letter', `${wellFormed.slice(1)}é`, false],
  ])('%s: %s', (_case, value, expected) => {
    expect(isWellFormedToken(value)).toBe(expected)
  })
})

describe('tokenId: the store sees only the SHA-256 of a token', () => {
  it.each([
    ['"abc" (FIPS 180-2 vector)', 'abc', 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0'],
    ['the empty string', '', '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU'],
  ])('of %s is %s', (_case, token, id) => {
    expect(tokenId(token)).toBe(id)
  })

  it('is the same for the same token, and never the token itself', () => {
    const token = newToken()
    expect(tokenId(token)).not.toBe(token)
    expect(tokenId(token)).toBe(tokenId(token))
  })
})

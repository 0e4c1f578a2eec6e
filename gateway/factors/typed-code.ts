import { randomInt } from 'node:crypto'

/**
 * Spaces and dashes anywhere in a typed code, as people copy it: authenticator apps show
 * "123 456", a code may be read out as "123-456", and a paste can bring non-breaking spaces.
 */
const SEPARATORS = /[\s\u002d\u2010-\u2015\u2212]/gu

/** A code as typed or pasted, without the separators people put in it; nothing else is changed. */
export function withoutSeparators(input: string): string {
  return input.replace(SEPARATORS, '')
}

/** Crockford's base32: no I, L, O or U, so a code read aloud or off paper is not misread. */
const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
/** 12 characters of 5 bits: 60 bits, typed as XXXX-XXXX-XXXX. */
const READABLE_CODE_LENGTH = 12

/** A new random code for people to write down or pass on (recovery and enrollment codes), unformatted. */
export function newReadableCode(): string {
  return Array.from({ length: READABLE_CODE_LENGTH }, () => alphabet[randomInt(alphabet.length)]).join('')
}

/** "7K3M-Q9PA-2XRT": groups of four are easier to copy. */
export function formatReadableCode(code: string): string {
  return code.match(/.{4}/g)?.join('-') ?? code
}

/** Upper-cases, drops separators, reads O as 0 and I/L as 1 (Crockford); null if not such a code. */
export function readReadableCode(input: string): string | null {
  if (input.length > 64) return null
  const code = withoutSeparators(input.toUpperCase()).replace(/O/g, '0').replace(/[IL]/g, '1')
  if (code.length !== READABLE_CODE_LENGTH) return null
  for (const char of code) if (!alphabet.includes(char)) return null
  return code
}

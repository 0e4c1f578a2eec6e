import { hash, randomBytes } from 'node:crypto'

/** 256 bits from the CSPRNG, base64url: 43 characters. */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

const tokenShape = /^[A-Za-z0-9_-]{43}$/

/** Malformed cookies are treated as absent, never as an error or a store lookup. */
export function isWellFormedToken(value: string | undefined): value is string {
  return value !== undefined && tokenShape.test(value)
}

/**
 * The store keys a token by its SHA-256, so a dump of the store yields no usable cookie. Lookup by
 * hash also removes the need for a constant-time compare: an attacker cannot steer a preimage.
 */
export function tokenId(token: string): string {
  return hash('sha256', token, 'base64url')
}

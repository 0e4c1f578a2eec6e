import { describe, expect, it } from 'vitest'
import { allowsOwnStylesheet } from '../../../gateway/proxy/stylesheet-policy.ts'

describe('whether a page’s Content-Security-Policy lets it load a stylesheet from its own origin', () => {
  it.each([
    ['no policy', [], true],
    ['a policy without a style directive', ["script-src 'none'; img-src *"], true],
    ["default-src 'self'", ["default-src 'self'"], true],
    ["'self' in any case", ["default-src 'SELF'"], true],
    ['default-src *', ['default-src *'], true],
    ["default-src 'none'", ["default-src 'none'"], false],
    ['style-src over default-src', ["default-src 'none'; style-src 'self'"], true],
    ['style-src-elem over style-src', ["style-src 'self'; style-src-elem 'none'"], false],
    ['style-src-elem allowing it', ["style-src 'none'; style-src-elem 'self'"], true],
    ['only inline styles', ["style-src 'unsafe-inline'"], false],
    ['only a nonce', ["style-src 'nonce-abc123'"], false],
    ['a host source instead of self (read as not allowing it)', ['style-src https://panel.example'], false],
    ['the first of a repeated directive', ["style-src 'self'; style-src 'none'"], true],
    ['the first of a repeated directive, refusing', ["style-src 'none'; style-src 'self'"], false],
    ['empty directives and extra spaces', [";;  default-src\t'self'  ;"], true],
    ['two policies in one value, one refusing', ["default-src 'self', style-src 'none'"], false],
    ['two values, one refusing', ["default-src 'self'", "style-src 'none'"], false],
    ['two values, both allowing', ["default-src 'self'", "style-src 'self' 'unsafe-inline'"], true],
  ])('%s', (_case, values, allowed) => {
    expect(allowsOwnStylesheet(values)).toBe(allowed)
  })
})

import { describe, expect, it } from 'vitest'
import { type FactorId, factorIds } from '../../../gateway/factors/factor-kinds.ts'
import { mayRemove, type WaysIn } from '../../../gateway/factors/last-way-in.ts'

const none: WaysIn = { webauthn: 0, yubico_otp: 0, totp: 0, sms: 0 }

describe('mayRemove: a user never removes their last way to sign in', () => {
  const cases: { has: Partial<WaysIn>; removes: FactorId; allowed: boolean }[] = [
    // The only factor of all: kept, whichever it is.
    ...factorIds.map((id) => ({ has: { [id]: 1 }, removes: id, allowed: false })),
    // Two of one kind: one of them may go.
    { has: { webauthn: 2 }, removes: 'webauthn', allowed: true },
    { has: { yubico_otp: 2 }, removes: 'yubico_otp', allowed: true },
    // One each of two kinds: either may go.
    { has: { webauthn: 1, totp: 1 }, removes: 'webauthn', allowed: true },
    { has: { webauthn: 1, totp: 1 }, removes: 'totp', allowed: true },
    { has: { yubico_otp: 1, sms: 1 }, removes: 'sms', allowed: true },
    { has: { webauthn: 1, yubico_otp: 1 }, removes: 'yubico_otp', allowed: true },
    // Nothing of that kind to remove.
    { has: { totp: 1, sms: 1 }, removes: 'webauthn', allowed: false },
    { has: {}, removes: 'totp', allowed: false },
  ]

  it.each(cases)('has $has, removes one $removes: $allowed', ({ has, removes, allowed }) => {
    expect(mayRemove({ ...none, ...has }, removes)).toBe(allowed)
  })
})

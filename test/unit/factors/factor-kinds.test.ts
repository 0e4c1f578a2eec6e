import { describe, expect, it } from 'vitest'
import { factorIds, factorKinds, isFactorId } from '../../../gateway/factors/factor-kinds.ts'

describe('the factor kinds', () => {
  it('are listed strongest first, the order the sign-in page offers them in', () => {
    expect(factorIds).toEqual(['webauthn', 'yubico_otp', 'totp', 'sms'])
  })

  it.each(factorIds)('%s: a user who has none of it has no way in by it, and is shown so', (id) => {
    const kind = factorKinds[id]
    expect(kind.count(kind.none as never)).toBe(0)
    expect(['None', 'Off']).toContain(kind.shown(kind.none as never))
  })

  it('tells a factor id from any other name, inherited property names included', () => {
    expect(factorIds.every(isFactorId)).toBe(true)
    for (const name of ['recovery_code', 'passkey', 'toString', '__proto__', 'constructor', '']) {
      expect(isFactorId(name)).toBe(false)
    }
  })
})

import { describe, expect, it } from 'vitest'
import type { EnrolledFactors } from '../../../gateway/factors/enrolled-factors.ts'
import { factorStandings } from '../../../gateway/factors/factor-standing.ts'

const none: EnrolledFactors = {
  has: { webauthn: [], yubico_otp: [], totp: false, sms: null },
  recoveryCodesLeft: null,
  ways: { webauthn: 0, yubico_otp: 0, totp: 0, sms: 0 },
  offered: ['webauthn', 'totp'],
  switchedOff: [],
  none: true,
  onlySwitchedOff: false,
}

const key = { id: 'k', name: 'Blue key', aaguid: '', createdAt: 0, lastUsedAt: null } as never

describe('factorStandings: what the account page, the admin page and the CLI show of each way in', () => {
  it.each([
    ['nothing set up, two factors offered', none, ['Security keys: None', 'Authenticator app: Off']],
    [
      'every factor offered and set up, strongest first',
      {
        ...none,
        has: {
          webauthn: [key, key],
          yubico_otp: [key],
          totp: true,
          sms: { number: '+442079460123', addedAt: 0, lastUsedAt: null },
        },
        ways: { webauthn: 2, yubico_otp: 1, totp: 1, sms: 1 },
        offered: ['webauthn', 'yubico_otp', 'totp', 'sms'],
      } as EnrolledFactors,
      ['Security keys: 2', 'YubiKeys: 1', 'Authenticator app: On', 'Text messages: +44 •••• ••23'],
    ],
    [
      'a factor the config does not offer is left out, whatever the store holds',
      { ...none, offered: ['totp'], ways: { ...none.ways, webauthn: 3 } } as EnrolledFactors,
      ['Authenticator app: Off'],
    ],
  ])('%s', (_, factors, shown) => {
    const standings = factorStandings(factors)
    expect(standings.map(({ title, shown }) => `${title}: ${shown}`)).toEqual(shown)
    for (const standing of standings) expect(standing.on).toBe(factors.ways[standing.id] > 0)
  })
})

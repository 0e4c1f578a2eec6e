import type { EnrolledFactors } from './enrolled-factors.ts'
import { type FactorId, factorLabels } from './factor-id.ts'
import { maskPhoneNumber } from './sms/phone-number.ts'

/** One way in as the account page, the admin page and the CLI show what a user has of it. */
export interface FactorStanding {
  id: FactorId
  /** "Security keys", "Authenticator app". */
  title: string
  /** What they have: a count ("None", "2"), "On" or "Off", or the masked phone number. */
  shown: string
  /** Whether they have any. */
  on: boolean
}

const count = (n: number) => (n === 0 ? 'None' : String(n))

/** What each factor shows of a user's records: a new FactorId does not compile until it has its entry. */
const shownOf: Record<FactorId, (factors: EnrolledFactors) => string> = {
  webauthn: (factors) => count(factors.keys.length),
  yubico_otp: (factors) => count(factors.yubikeys.length),
  totp: (factors) => (factors.totp ? 'On' : 'Off'),
  sms: (factors) => (factors.sms === null ? 'Off' : maskPhoneNumber(factors.sms.number)),
}

/** Every factor this config offers the user, strongest first, with what they have of it. */
export function factorStandings(factors: EnrolledFactors): FactorStanding[] {
  return factors.offered.map((id) => ({
    id,
    title: factorLabels[id].title,
    shown: shownOf[id](factors),
    on: factors.ways[id] > 0,
  }))
}

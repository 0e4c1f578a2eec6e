import { type EnrolledFactors, shownOf } from './enrolled-factors.ts'
import { type FactorId, factorLabels } from './factor-kinds.ts'

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

/** Every factor this config offers the user, strongest first, with what they have of it. */
export function factorStandings(factors: EnrolledFactors): FactorStanding[] {
  return factors.offered.map((id) => ({
    id,
    title: factorLabels[id].title,
    shown: shownOf(id, factors.has),
    on: factors.ways[id] > 0,
  }))
}

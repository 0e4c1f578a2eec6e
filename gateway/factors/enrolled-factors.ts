import type { FactorSet } from './factor-kinds.ts'
import { type FactorHoldings, type FactorId, factorIds, factorKinds, mapFactors } from './factor-kinds.ts'
import type { WaysIn } from './last-way-in.ts'
import { type SwitchableFactor, switchedOffFactors } from './switched-off-factors.ts'

export interface EnrolledFactors {
  /** What the user has of each factor this config offers them (of one it does not: nothing). */
  has: FactorHoldings
  /** Unused recovery codes; null when the user never had a set. A backup, not a factor of its own. */
  recoveryCodesLeft: number | null
  /** How many of each factor this config can verify: what `mayRemove` weighs. */
  ways: WaysIn
  /** The factors this config offers the user, strongest first: what pages and the CLI list. */
  offered: FactorId[]
  /** Factors the store holds of a type this config cannot verify (turned off, or SMS not allowed). */
  switchedOff: SwitchableFactor[]
  /**
   * No factor stored at all, whatever is enabled: the user must enroll one before reaching the panel.
   * False for a user whose only factors are switched off: they are refused, never offered enrollment.
   */
  none: boolean
  /** Has factors, but none this config can verify: sign-in is refused until an admin steps in. */
  onlySwitchedOff: boolean
}

/** The factors this config offers the user, strongest first; nothing read from the store. */
export function offeredFactors(s: FactorSet, user: string): FactorId[] {
  return factorIds.filter((id) => factorKinds[id].offered(s, user))
}

/** What a user can verify with; the reads go to the store in parallel. */
export async function enrolledFactors(s: FactorSet, user: string): Promise<EnrolledFactors> {
  const offered = offeredFactors(s, user)
  const [holdings, recoveryCodesLeft, switchedOff] = await Promise.all([
    Promise.all(factorIds.map((id) => (offered.includes(id) ? factorKinds[id].read(s, user) : null))),
    s.recoveryCodes.remaining(user),
    switchedOffFactors(s, user, offered),
  ])
  const has = mapFactors((id) => holdings[factorIds.indexOf(id)] ?? factorKinds[id].none) as FactorHoldings
  const ways = mapFactors((id) => countOf(id, has))
  const usable = Object.values(ways).some((count) => count > 0)
  return {
    has,
    offered,
    recoveryCodesLeft,
    ways,
    switchedOff,
    none: !usable && switchedOff.length === 0,
    onlySwitchedOff: !usable && switchedOff.length > 0,
  }
}

/** How many ways in the user has of one factor. */
function countOf<K extends FactorId>(id: K, has: FactorHoldings): number {
  return factorKinds[id].count(has[id])
}

/** What the account summary, the admin page and the CLI show of one factor. */
export function shownOf<K extends FactorId>(id: K, has: FactorHoldings): string {
  return factorKinds[id].shown(has[id])
}

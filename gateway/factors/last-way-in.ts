import type { FactorId } from './factor-kinds.ts'

/** How many of each factor a user can sign in with (a phone number or an app counts as one). */
export type WaysIn = Record<FactorId, number>

/**
 * Whether the user may remove one of `factor`: only one they have, and never their last way to sign
 * in (recovery codes are a backup, not a way in). Every removal, from the account page or anywhere
 * else a user acts on their own factors, asks this.
 */
export function mayRemove(ways: WaysIn, factor: FactorId): boolean {
  const total = Object.values(ways).reduce((sum, count) => sum + count, 0)
  return ways[factor] > 0 && total > 1
}

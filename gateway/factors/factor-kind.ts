import type { Store } from '../store/store.ts'
import type { FactorSet } from './factor-kinds.ts'
import type { StoredFactor } from './stored-factor.ts'

/** How pages, the admin page and the CLI name a factor: one of it, several, and as a heading. */
export interface FactorLabels {
  one: string
  many: string
  title: string
}

/**
 * One kind of second factor as tapgate sees it apart from its pages: its names, its records in the
 * store, whether a config offers it to a user, and what a user has of it (`Has`: their keys, whether
 * an app is set up, their phone). Each kind lives in its factor's folder; factor-kinds.ts lists them.
 */
export interface FactorKind<Has> {
  labels: FactorLabels
  /** Its records, counted and removed by store keys alone, whatever the config enables. */
  stored(store: Store): StoredFactor
  /** Whether this config verifies it for the user: set up, signed in with, shown. */
  offered(s: FactorSet, user: string): boolean
  /** What the user has of it; asked only when it is offered. */
  read(s: FactorSet, user: string): Promise<Has>
  /** What a user has of it when it is not offered. */
  none: Has
  /** How many ways in that is: what "never remove the last way in" weighs. */
  count(has: Has): number
  /** What the account summary, the admin page and the CLI show of it: "2", "On", a masked number. */
  shown(has: Has): string
}

/** "None" or how many: for a factor of which a user may have several. */
export function shownCount(count: number): string {
  return count === 0 ? 'None' : String(count)
}

/**
 * A factor's records in the store, read and removed by their keys alone, whatever the config
 * enables: "has no factor" and an admin's reset must reach a type that is turned off too (a user
 * whose only factor is off is not a user with none). Each factor's own class works on the same
 * records; services.ts lists one of these per FactorId.
 */
export interface StoredFactor {
  /** How many the user has stored (an app or a phone number counts as one). */
  count(user: string): Promise<number>
  /** Every one of them gone, with whatever hangs off them (owner claims, secrets, waiting codes). */
  removeAll(user: string): Promise<void>
}

/**
 * Which groups a user is in, for policies that name groups (enrollment exemptions, SMS allowed for
 * some groups). Only the `local` first factor knows groups (its users file); behind a panel's own
 * login tapgate knows none, so group-based settings apply to nobody there.
 */
export interface UserGroups {
  groupsOf(user: string): readonly string[]
}

export const noGroups: UserGroups = { groupsOf: () => [] }

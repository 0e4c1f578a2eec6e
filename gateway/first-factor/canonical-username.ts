import { usernameSkeleton } from './login-username.ts'

/**
 * One spelling per person: "Alice", "alice " and "ａｌｉｃｅ" (fullwidth) key the same factors,
 * lockouts and history. Without this, changing the case of a known name would look like a new
 * user with no factor, and a password alone could enroll one.
 */
export function canonicalUsername(raw: string, caseSensitive: boolean): string {
  const normalised = raw.trim().normalize('NFKC')
  // Upper then lower approximates Unicode case folding ("Straße" and "STRASSE" are one name).
  return caseSensitive ? normalised : normalised.toUpperCase().toLowerCase().normalize('NFKC')
}

/**
 * The spelling tapgate keys a user by under this config. With `usernames: unicode`, names that look
 * alike (accents, confusable letters: 'ádmin', 'аdmin' with a Cyrillic а) are one user, as an accent-
 * and case-insensitive database collation behind the panel would read them.
 */
export function canonicalUserFor(settings: {
  case_sensitive_usernames: boolean
  usernames: 'ascii' | 'unicode'
}): (name: string) => string {
  const { case_sensitive_usernames: caseSensitive, usernames } = settings
  if (usernames === 'ascii') return (name) => canonicalUsername(name, caseSensitive)
  return (name) => usernameSkeleton(canonicalUsername(name, caseSensitive))
}

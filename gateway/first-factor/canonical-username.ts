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

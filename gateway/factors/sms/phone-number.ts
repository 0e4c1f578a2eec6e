import { parsePhoneNumberWithError } from 'libphonenumber-js'

/** Why a typed number was refused; the pages word each one. */
export type PhoneNumberProblem =
  | 'empty'
  | 'no_country_code'
  | 'not_a_number'
  | 'unknown_country'
  | 'wrong_length'

export type PhoneNumberCheck = { ok: true; number: string } | { ok: false; problem: PhoneNumberProblem }

/** Longer than any number written with spaces and brackets: not worth parsing. */
const MAX_INPUT_LENGTH = 40

/**
 * A mobile number as people type it, as E.164 (`+447700900123`). Spaces, dashes, dots, slashes and
 * brackets go; a leading international prefix `00` becomes `+`. Without a country code the number is
 * refused rather than guessed. The country code must exist and the length must be possible there
 * (libphonenumber-js); whether the line is real is proven by the code sent to it, so numbers in ranges
 * the metadata does not list yet are not refused.
 */
export function checkPhoneNumber(input: string): PhoneNumberCheck {
  if (input.length > MAX_INPUT_LENGTH) return { ok: false, problem: 'not_a_number' }
  let text = input.replace(/[\s\u00a0\u2010-\u2015().\-/]/g, '')
  if (text === '') return { ok: false, problem: 'empty' }
  if (text.startsWith('00')) text = `+${text.slice(2)}`
  if (/^\d+$/.test(text)) return { ok: false, problem: 'no_country_code' }
  if (!/^\+\d+$/.test(text)) return { ok: false, problem: 'not_a_number' }
  // No country code starts with 0; E.164 allows 15 digits at most.
  if (text.startsWith('+0')) return { ok: false, problem: 'unknown_country' }
  if (text.length > 16) return { ok: false, problem: 'wrong_length' }
  try {
    const parsed = parsePhoneNumberWithError(text)
    if (!parsed.isPossible()) return { ok: false, problem: 'wrong_length' }
    return { ok: true, number: parsed.number }
  } catch (error) {
    const reason = error instanceof Error ? error.message : ''
    return { ok: false, problem: reason === 'INVALID_COUNTRY' ? 'unknown_country' : 'wrong_length' }
  }
}

/**
 * `+44 •••• ••23`: the country code and the last two digits, enough for a person to recognise their
 * number and too little to learn it. The same width whatever the length, which says nothing either.
 */
export function maskPhoneNumber(number: string): string {
  const digits = number.replace(/\D/g, '')
  let countryCode = ''
  try {
    countryCode = parsePhoneNumberWithError(number).countryCallingCode
  } catch {
    countryCode = ''
  }
  const prefix = countryCode === '' ? '+' : `+${countryCode} `
  return `${prefix}•••• ••${digits.slice(-2)}`
}

import type { PhoneNumberProblem } from '../factors/sms/phone-number.ts'
import type { SendResult, VerifyResult } from '../factors/sms/sms-factor.ts'
import { secondsText } from '../views/sms-parts.tsx'

/** What the pages say when a number, a send or a code is refused; the details go to the log only. */
export const phoneNumberMessages: Record<PhoneNumberProblem, string> = {
  empty: 'Enter your mobile number.',
  no_country_code: 'Add the country code at the start: +44 for the UK, +1 for the US and Canada.',
  not_a_number: 'That is not a phone number. Use digits, starting with + and the country code.',
  unknown_country: 'There is no country with that code. Check the digits after the +.',
  wrong_length: 'That number has too few or too many digits for its country. Check it and try again.',
}

/**
 * A send that did not happen. A failed delivery reads the same for every user and every cause, so
 * the page never tells more than "it did not go".
 */
export function sendRefusal(result: Exclude<SendResult, { ok: true }>, context: 'sign_in' | 'setup'): string {
  if (result.reason === 'not_delivered') {
    return context === 'sign_in'
      ? 'We could not send the text message. Try again, or use another way to sign in.'
      : 'We could not send the text message. Check the number and try again.'
  }
  if (result.reason === 'too_soon') {
    return `You can ask for a new code in ${secondsText(Math.max(1, Math.ceil(result.retryAfterMs / 1000)))}.`
  }
  const minutes = Math.max(1, Math.ceil(result.retryAfterMs / 60_000))
  const wait = `${minutes} minute${minutes === 1 ? '' : 's'}`
  return context === 'sign_in'
    ? `Too many codes have been sent. You can ask for a new one in ${wait}, or use another way to sign in.`
    : `Too many codes have been sent. You can ask for a new one in ${wait}.`
}

/** A code that was not accepted; `field` says whether the message belongs at the code field. */
export function codeRefusal(result: Exclude<VerifyResult, { ok: true }>): {
  field: boolean
  message: string
} {
  switch (result.reason) {
    case 'malformed':
      return { field: true, message: 'Enter the 6-digit code from the text message: digits only.' }
    case 'wrong_code': {
      const left = `${result.attemptsLeft} ${result.attemptsLeft === 1 ? 'try' : 'tries'} left`
      return {
        field: true,
        message: `That code is not correct. Check the text message and try again (${left}).`,
      }
    }
    case 'replayed':
      return { field: true, message: 'That code has already been used. Ask for a new code.' }
    case 'used_up':
      return {
        field: false,
        message: 'That code was entered wrongly too many times and no longer works. Ask for a new code.',
      }
    case 'expired':
      return { field: false, message: 'That code has expired. Ask for a new code.' }
    case 'no_code':
      return { field: false, message: 'That code no longer works. Ask for a new code.' }
  }
}

import type { RecoveryVerdict } from '../factors/recovery-codes.ts'
import type { TotpFailure } from '../factors/totp/totp-factor.ts'
import { isServiceFailure, type YubicoOtpFailure } from '../factors/yubico-otp/yubico-otp-factor.ts'

/** What the pages say when an app code is refused. */
export const appCodeMessages: Record<TotpFailure, string> = {
  wrong_code: 'That code is not correct. Check the time on your phone and try the current code.',
  replayed: 'That code has already been used. Wait for the next code and enter it.',
  malformed: 'Enter the code from your authenticator app: digits only.',
}

/** What the 2fa page says when a recovery code is refused. */
export const recoveryCodeMessages: Record<Exclude<RecoveryVerdict, { ok: true }>['reason'], string> = {
  malformed: 'Enter one of your recovery codes: 12 letters and digits, dashes optional.',
  wrong_code: 'That recovery code is not correct. Check it against your saved list.',
  replayed: 'That recovery code has already been used. Each code works once; try another.',
  no_codes: 'You have no recovery codes. Use another way to sign in, or contact support.',
}

/** What the page says for a refused tap; the validation service's detail goes to the log only. */
export function yubikeyMessage(reason: YubicoOtpFailure): string {
  if (isServiceFailure(reason)) {
    return 'YubiKey codes cannot be checked right now. Try again in a minute, or use another way to sign in.'
  }
  if (reason === 'malformed')
    return 'That does not look like a YubiKey code. Click the field, then touch your key.'
  if (reason === 'unknown_key') return 'That YubiKey is not registered for this account.'
  if (reason === 'replayed') return 'That code was already used. Touch your YubiKey again.'
  if (reason === 'already_registered') return 'That YubiKey is already registered.'
  return 'That YubiKey code was not accepted. Touch your key again.'
}

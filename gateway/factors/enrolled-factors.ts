import type { Services } from '../services.ts'
import type { SmsPhone } from './sms/sms-factor.ts'
import type { WebAuthnCredentialRecord } from './webauthn.ts'
import type { YubicoOtpKeyRecord } from './yubico-otp/yubico-otp-factor.ts'

export interface EnrolledFactors {
  totp: boolean
  keys: WebAuthnCredentialRecord[]
  /** YubiKeys in OTP mode (a tap types a code). */
  yubikeys: YubicoOtpKeyRecord[]
  /** The number codes are texted to; null when none, or when text messages are off or not allowed for the user. */
  sms: SmsPhone | null
  /** Unused recovery codes; null when the user never had a set. A backup, not a factor of its own. */
  recoveryCodesLeft: number | null
  /** No factor at all: the user must enroll one before reaching the panel. */
  none: boolean
}

/** What a user can verify with; the reads go to the store in parallel. */
export async function enrolledFactors(s: Services, user: string): Promise<EnrolledFactors> {
  const smsAllowed = s.sms?.allows(user, s.groups.groupsOf(user)) === true
  const [totpSecret, keys, yubikeys, sms, recoveryCodesLeft] = await Promise.all([
    s.totp.secretOf(user),
    s.webauthn?.credentialsOf(user) ?? [],
    s.yubicoOtp?.keysOf(user) ?? [],
    smsAllowed ? (s.sms?.phoneOf(user) ?? null) : null,
    s.recoveryCodes.remaining(user),
  ])
  return {
    totp: totpSecret !== null,
    keys,
    yubikeys,
    sms,
    recoveryCodesLeft,
    none: totpSecret === null && keys.length === 0 && yubikeys.length === 0 && sms === null,
  }
}

import { type FactorId, factorIds } from './factor-id.ts'
import type { FactorSet } from './factor-set.ts'
import type { WaysIn } from './last-way-in.ts'
import type { SmsPhone } from './sms/sms-factor.ts'
import { offersFactor, type SwitchableFactor, switchedOffFactors } from './switched-off-factors.ts'
import type { WebAuthnCredentialRecord } from './webauthn/records.ts'
import type { YubicoOtpKeyRecord } from './yubico-otp/stored-yubikeys.ts'

export interface EnrolledFactors {
  totp: boolean
  keys: WebAuthnCredentialRecord[]
  /** YubiKeys in OTP mode (a tap types a code). */
  yubikeys: YubicoOtpKeyRecord[]
  /** The number codes are texted to; null when none, or when text messages are off or not allowed for the user. */
  sms: SmsPhone | null
  /** Unused recovery codes; null when the user never had a set. A backup, not a factor of its own. */
  recoveryCodesLeft: number | null
  /** How many of each factor this config can verify: what `mayRemove` weighs. */
  ways: WaysIn
  /** The factors this config offers the user, strongest first: what pages and the CLI list. */
  offered: FactorId[]
  /** Factors the store holds of a type this config cannot verify (turned off, or SMS not allowed). */
  switchedOff: SwitchableFactor[]
  /**
   * No factor stored at all, whatever is enabled: the user must enroll one before reaching the panel.
   * False for a user whose only factors are switched off: they are refused, never offered enrollment.
   */
  none: boolean
  /** Has factors, but none this config can verify: sign-in is refused until an admin steps in. */
  onlySwitchedOff: boolean
}

/** What a user can verify with; the reads go to the store in parallel. */
export async function enrolledFactors(s: FactorSet, user: string): Promise<EnrolledFactors> {
  const smsAllowed = s.sms?.allows(user, s.groups.groupsOf(user)) === true
  const [totpSecret, keys, yubikeys, sms, recoveryCodesLeft, switchedOff] = await Promise.all([
    s.totp.secretOf(user),
    s.webauthn?.credentialsOf(user) ?? [],
    s.yubicoOtp?.keysOf(user) ?? [],
    smsAllowed ? (s.sms?.phoneOf(user) ?? null) : null,
    s.recoveryCodes.remaining(user),
    switchedOffFactors(s, user),
  ])
  const ways: WaysIn = {
    webauthn: keys.length,
    yubico_otp: yubikeys.length,
    totp: totpSecret === null ? 0 : 1,
    sms: sms === null ? 0 : 1,
  }
  const usable = Object.values(ways).some((count) => count > 0)
  return {
    offered: factorIds.filter((id) => offersFactor(s, id, user)),
    totp: totpSecret !== null,
    keys,
    yubikeys,
    sms,
    recoveryCodesLeft,
    ways,
    switchedOff,
    none: !usable && switchedOff.length === 0,
    onlySwitchedOff: !usable && switchedOff.length > 0,
  }
}

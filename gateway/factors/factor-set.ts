import type { UserGroups } from '../users/user-groups.ts'
import type { FactorId } from './factor-kinds.ts'
import type { RecoveryCodes } from './recovery-codes.ts'
import type { SmsFactor } from './sms/sms-factor.ts'
import type { StoredFactor } from './stored-factor.ts'
import type { TotpFactor } from './totp/totp-factor.ts'
import type { WebAuthnFactor } from './webauthn/webauthn-factor.ts'
import type { YubicoOtpFactor } from './yubico-otp/yubico-otp-factor.ts'

/** The factors this config verifies (null: turned off), every type's stored records, and the groups. */
export interface FactorSet {
  totp: TotpFactor
  webauthn: WebAuthnFactor | null
  yubicoOtp: YubicoOtpFactor | null
  sms: SmsFactor | null
  recoveryCodes: RecoveryCodes
  storedFactors: Readonly<Record<FactorId, StoredFactor>>
  groups: UserGroups
}

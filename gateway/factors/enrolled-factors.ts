import type { Services } from '../services.ts'
import type { WebAuthnCredentialRecord } from './webauthn.ts'

export interface EnrolledFactors {
  totp: boolean
  keys: WebAuthnCredentialRecord[]
  /** Unused recovery codes; null when the user never had a set. A backup, not a factor of its own. */
  recoveryCodesLeft: number | null
  /** No factor at all: the user must enroll one before reaching the panel. */
  none: boolean
}

/** What a user can verify with; the reads go to the store in parallel. */
export async function enrolledFactors(s: Services, user: string): Promise<EnrolledFactors> {
  const [totpSecret, keys, recoveryCodesLeft] = await Promise.all([
    s.totp.secretOf(user),
    s.webauthn?.credentialsOf(user) ?? [],
    s.recoveryCodes.remaining(user),
  ])
  return {
    totp: totpSecret !== null,
    keys,
    recoveryCodesLeft,
    none: totpSecret === null && keys.length === 0,
  }
}

import type { Services } from '../services.ts'
import type { WebAuthnCredentialRecord } from './webauthn.ts'

export interface EnrolledFactors {
  totp: boolean
  keys: WebAuthnCredentialRecord[]
  /** No factor at all: the user must enroll one before reaching the panel. */
  none: boolean
}

/** What a user can verify with; both reads go to the store in parallel. */
export async function enrolledFactors(s: Services, user: string): Promise<EnrolledFactors> {
  const [totpSecret, keys] = await Promise.all([s.totp.secretOf(user), s.webauthn?.credentialsOf(user) ?? []])
  return { totp: totpSecret !== null, keys, none: totpSecret === null && keys.length === 0 }
}

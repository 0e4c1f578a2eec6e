import type { Refusal } from '../verdict.ts'
import type { WebAuthnCredentialRecord } from './records.ts'

export type RegistrationFailure =
  | 'no_challenge'
  | 'invalid_response'
  | 'invalid_name'
  | 'wrong_origin'
  | 'wrong_rp'
  | 'not_allowed_model'
  | 'compromised_model'
  | 'already_registered'
  | 'verification_failed'

/**
 * `counter_regression` means a correctly signed assertion whose signature counter did not grow:
 * the key may have been cloned (WebAuthn L3 §6.1.1). Log it as a security event.
 */
export type AuthenticationFailure =
  | 'no_challenge'
  | 'invalid_response'
  | 'unknown_credential'
  | 'counter_regression'
  | 'wrong_origin'
  | 'wrong_rp'
  | 'verification_failed'

/** `detail` is for the log only; the user gets one generic message per reason. */
export type Failure<Reason extends string> = Refusal<Reason> & { detail: string }

export type RegistrationResult =
  | { ok: true; credential: WebAuthnCredentialRecord }
  | Failure<RegistrationFailure>
export type AuthenticationResult = { ok: true; credentialId: string } | Failure<AuthenticationFailure>
export type RenameResult = { ok: true } | Failure<'unknown_credential' | 'invalid_name'>

export function failure<Reason extends string>(reason: Reason, detail: string): Failure<Reason> {
  return { ok: false, reason, detail }
}

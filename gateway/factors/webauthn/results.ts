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

/**
 * A passkey stands for the password too, so its assertion must also show that the authenticator
 * verified the user (the UV flag, WebAuthn L3 §6.1) and that the credential is discoverable: it
 * returned the user handle it was registered with (§6.3.3 step 13, §5.4.3).
 */
export type PasskeyFailure = AuthenticationFailure | 'user_not_verified' | 'not_discoverable'

/** `detail` is for the log only; the user gets one generic message per reason. */
export type Failure<Reason extends string> = Refusal<Reason> & { detail: string }

export type RegistrationResult =
  | { ok: true; credential: WebAuthnCredentialRecord }
  | Failure<RegistrationFailure>
export type AuthenticationResult = { ok: true; credentialId: string } | Failure<AuthenticationFailure>
export type PasskeyResult = { ok: true; credentialId: string } | Failure<PasskeyFailure>
/**
 * The user a passkey's assertion names (the owner of its credential id), before anything is verified,
 * and the verification itself, for once the caller has checked that user may sign in.
 */
export type PasskeyClaim =
  | { ok: true; user: string; verify: () => Promise<PasskeyResult> }
  | Failure<'invalid_response' | 'unknown_credential'>
export type RenameResult = { ok: true } | Failure<'unknown_credential' | 'invalid_name'>

export function failure<Reason extends string>(reason: Reason, detail: string): Failure<Reason> {
  return { ok: false, reason, detail }
}

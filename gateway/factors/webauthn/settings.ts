import type { Config } from '../../config/schema.ts'
import type { AuthenticatorMetadata } from './authenticator-metadata.ts'

type Requirement = 'discouraged' | 'preferred' | 'required'

/** `factors.webauthn` with the defaults that depend on `public_url` filled in. */
export interface WebAuthnSettings {
  rpId: string
  rpName: string
  /** Exact origins (scheme://host[:port]) a ceremony may come from. */
  origins: readonly string[]
  attestation: 'none' | 'direct'
  userVerification: Requirement
  residentKey: Requirement
  /** Lower-case AAGUIDs; undefined means every model may register. */
  aaguidAllowlist: readonly string[] | undefined
  challengeTtlMs: number
  /**
   * Passkeys sign in on tapgate's own sign-in page, and every key is registered as one: resident key
   * and user verification required, whatever `residentKey` and `userVerification` say.
   */
  passwordless: boolean
  /** From `metadata_file`: model names and models reported compromised. */
  metadata: AuthenticatorMetadata | undefined
}

/** The RP ID defaults to the public URL's host, the origins to the public URL's origin. */
export function webAuthnSettings(
  config: Pick<Config, 'public_url' | 'factors'>,
  metadata?: AuthenticatorMetadata,
): WebAuthnSettings {
  const block = config.factors.webauthn
  const publicUrl = new URL(config.public_url)
  return {
    rpId: block.rp_id ?? publicUrl.hostname,
    rpName: block.rp_name,
    origins: block.origins ?? [publicUrl.origin],
    attestation: block.attestation,
    userVerification: block.user_verification,
    residentKey: block.resident_key,
    aaguidAllowlist: block.aaguid_allowlist,
    challengeTtlMs: block.challenge_ttl,
    passwordless: block.passwordless,
    metadata,
  }
}

/**
 * The second factors tapgate verifies, strongest first: the order the sign-in page offers them in.
 * Recovery codes are a backup beside them, not a factor: they never count as a way in.
 */
export const factorIds = ['webauthn', 'yubico_otp', 'totp', 'sms'] as const

export type FactorId = (typeof factorIds)[number]

export function isFactorId(name: string): name is FactorId {
  return (factorIds as readonly string[]).includes(name)
}

/** What can complete a second step: a factor, or a recovery code. */
export type Proof = FactorId | 'recovery_code'

/**
 * A passkey on tapgate's own sign-in page (`factors.webauthn.passwordless`): a security key that
 * verified its user stands for the password and the second factor at once. The history and the
 * lockout log name it apart from a key tapped after a password.
 */
export type PasskeySignIn = 'passkey'

/** How pages, the admin page and the CLI name each factor: one of it, several, and as a heading. */
export const factorLabels: Record<FactorId, { one: string; many: string; title: string }> = {
  webauthn: { one: 'security key', many: 'security keys', title: 'Security keys' },
  yubico_otp: { one: 'YubiKey', many: 'YubiKeys', title: 'YubiKeys' },
  totp: { one: 'authenticator app', many: 'authenticator apps', title: 'Authenticator app' },
  sms: { one: 'text message', many: 'text messages', title: 'Text messages' },
}

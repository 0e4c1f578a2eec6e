// Usernames are encoded so that no name can forge a key of another kind (a name containing ":").
const enc = encodeURIComponent

/** Every key tapgate writes, in one place, so the layout of the store can be read at a glance. */
export const keys = {
  session: (id: string) => `session:${id}`,
  totpSecret: (user: string) => `user:${enc(user)}:totp`,
  totpStepUsed: (user: string, step: number) => `user:${enc(user)}:totp-step:${step}`,
  /** The user's security keys, one JSON list (gateway/factors/webauthn.ts). */
  webauthnCredentials: (user: string) => `user:${enc(user)}:webauthn`,
  /** The random WebAuthn user handle, stable so a passkey is replaced rather than duplicated. */
  webauthnUserHandle: (user: string) => `user:${enc(user)}:webauthn-handle`,
  /** Credential id (base64url) → its one owner, claimed with set-if-absent at registration. */
  webauthnCredentialOwner: (credentialId: string) => `webauthn-credential:${enc(credentialId)}`,
  /** A pending ceremony's challenge, bound to the SHA-256 of the caller's scope (the session). */
  webauthnChallenge: (ceremony: 'registration' | 'authentication', scopeHash: string) =>
    `webauthn-challenge:${ceremony}:${scopeHash}`,
  /** The user's recovery codes: hashes and used slots (gateway/factors/recovery-codes.ts). */
  recoveryCodes: (user: string) => `user:${enc(user)}:recovery-codes`,
  recoveryCodeUsed: (user: string, generation: string, slot: number) =>
    `user:${enc(user)}:recovery-code-used:${generation}:${slot}`,
  /** The user's sign-in attempts and factor changes, newest first (gateway/history/login-history.ts). */
  history: (user: string) => `user:${enc(user)}:history`,
  /** Every user who passed the password step: what the admin page and `tapgate user list` list. */
  users: () => 'users',
  /** Present once the user has passed the password step (gateway/users/user-directory.ts). */
  knownUser: (user: string) => `user:${enc(user)}:known`,
  /** The ids of the user's live sessions, so that a reset or a sign-out everywhere can end them. */
  sessionsOfUser: (user: string) => `user:${enc(user)}:sessions`,
  /** The ids of all verified sessions, each expiring with its session: the active-sessions gauge. */
  verifiedSessions: () => 'sessions:verified',
  /** A "trust this device" mark by the SHA-256 of its token, and each user's index of them. */
  trustedDevice: (id: string) => `trusted-device:${id}`,
  trustedDevicesOf: (user: string) => `user:${enc(user)}:trusted-devices`,
  /** The user's one outstanding enrollment code, as an HMAC (gateway/users/enrollment-invites.ts). */
  enrollmentInvite: (user: string) => `user:${enc(user)}:enrollment-invite`,
  failuresOfUser: (user: string) => `failures:user:${enc(user)}`,
  failuresOfIp: (ip: string) => `failures:ip:${ip}`,
  banOfUser: (user: string) => `ban:user:${enc(user)}`,
  banOfIp: (ip: string) => `ban:ip:${ip}`,
} as const

// Usernames are encoded so that no name can forge a key of another kind (a name containing ":").
const enc = encodeURIComponent

/** Every key tapgate writes, in one place, so the layout of the store can be read at a glance. */
export const keys = {
  session: (id: string) => `session:${id}`,
  totpSecret: (user: string) => `user:${enc(user)}:totp`,
  /** A time step whose code was accepted, per secret: a new app's first code is not the old one's. */
  totpStepUsed: (user: string, secretId: string, step: number) =>
    `user:${enc(user)}:totp-step:${secretId}:${step}`,
  /*
   * The user's security keys (gateway/factors/webauthn/webauthn-factor.ts), one record per key so that changes to
   * different keys never write the same key (gateway/store/indexed-records.ts): the ids, what was
   * registered plus the name, and what each sign-in changes (counter, last use).
   */
  webauthnCredentialIds: (user: string) => `user:${enc(user)}:webauthn-credentials`,
  webauthnCredential: (user: string, credentialId: string) =>
    `user:${enc(user)}:webauthn:${enc(credentialId)}`,
  webauthnCredentialUse: (user: string, credentialId: string) =>
    `user:${enc(user)}:webauthn:${enc(credentialId)}:use`,
  /** The random WebAuthn user handle, stable so a passkey is replaced rather than duplicated. */
  webauthnUserHandle: (user: string) => `user:${enc(user)}:webauthn-handle`,
  /** Credential id (base64url) → its one owner, claimed with set-if-absent at registration. */
  webauthnCredentialOwner: (credentialId: string) => `webauthn-credential:${enc(credentialId)}`,
  /**
   * A pending ceremony's challenge, bound to the SHA-256 of the caller's scope: the session, or for a
   * passkey sign-in (no session yet) the sign-in page's form id.
   */
  webauthnChallenge: (ceremony: 'registration' | 'authentication' | 'passkey', scopeHash: string) =>
    `webauthn-challenge:${ceremony}:${scopeHash}`,
  /*
   * The user's YubiKeys in OTP mode (gateway/factors/yubico-otp/), laid out like their security keys:
   * the public ids, each key's public id, name and creation time, and its last use.
   */
  yubicoOtpKeyIds: (user: string) => `user:${enc(user)}:yubico-otp-keys`,
  yubicoOtpKey: (user: string, publicId: string) => `user:${enc(user)}:yubico-otp:${enc(publicId)}`,
  yubicoOtpKeyUse: (user: string, publicId: string) => `user:${enc(user)}:yubico-otp:${enc(publicId)}:use`,
  /** Public ids imported for the user (local mode), listed or not yet, so a reset can forget them. */
  yubicoOtpImported: (user: string) => `user:${enc(user)}:yubico-otp-imported`,
  /** Public id → its one owner, claimed with set-if-absent at import or enrollment. */
  yubicoOtpOwner: (publicId: string) => `yubico-otp-owner:${enc(publicId)}`,
  /** Local mode: private id and AES key, sealed with the public id as associated data. */
  yubicoOtpSecret: (publicId: string) => `yubico-otp-secret:${enc(publicId)}`,
  /**
   * Local mode: the (useCtr, sessionCtr) values accepted, a member set whose maximum only grows.
   * `generation` names the key material (gateway/factors/yubico-otp/local-validation.ts).
   */
  yubicoOtpCounters: (publicId: string, generation: string) =>
    `yubico-otp-counters:${enc(publicId)}:${enc(generation)}`,
  /** Local mode: one counter value, claimed with set-if-absent so that it is accepted once. */
  yubicoOtpCounterUsed: (publicId: string, generation: string, counter: string) =>
    `yubico-otp-used:${enc(publicId)}:${enc(generation)}:${counter}`,
  /** The user's active number, sealed, with its id and when it was added (gateway/factors/sms/). */
  smsPhone: (user: string) => `user:${enc(user)}:sms`,
  /** When that number was last used, with its id: a sign-in writes here, never over the number. */
  smsPhoneUse: (user: string) => `user:${enc(user)}:sms:use`,
  /** The one outstanding code of a purpose: its HMAC, the number it went to (sealed), its expiry. */
  smsCode: (user: string, purpose: string) => `user:${enc(user)}:sms-code:${purpose}`,
  /** Guesses at one code, counted atomically across gateways. */
  smsAttempts: (user: string, codeId: string) => `user:${enc(user)}:sms-attempts:${enc(codeId)}`,
  /** One code, claimed with set-if-absent so that it is accepted once. */
  smsCodeUsed: (user: string, codeId: string) => `user:${enc(user)}:sms-used:${enc(codeId)}`,
  /** Present while the user must wait before another code of this purpose is sent. */
  smsCooldown: (user: string, purpose: string) => `user:${enc(user)}:sms-cooldown:${purpose}`,
  /** Messages sent to the user, and to a number (by its HMAC), in the current hour. */
  smsSentToUser: (user: string) => `user:${enc(user)}:sms-sent`,
  smsSentToNumber: (numberHash: string) => `sms-sent-to:${numberHash}`,
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
  /*
   * Regulation (gateway/regulation/regulator.ts): failures and lockouts per user, per address block
   * (an IPv4 address, an IPv6 /64) and per user at one block; indexes of the locked blocks, all and per
   * user, so that admins can list and lift them; a mark that one lockout's refusals are already in the
   * user's history.
   */
  failuresOfUser: (user: string) => `failures:user:${enc(user)}`,
  failuresOfIp: (block: string) => `failures:ip:${block}`,
  failuresOfUserAtIp: (user: string, block: string) => `failures:user-ip:${enc(user)}:${block}`,
  banOfUser: (user: string) => `ban:user:${enc(user)}`,
  banOfIp: (block: string) => `ban:ip:${block}`,
  banOfUserAtIp: (user: string, block: string) => `ban:user-ip:${enc(user)}:${block}`,
  bannedIps: () => 'bans:ip',
  bannedIpsOfUser: (user: string) => `user:${enc(user)}:banned-ips`,
  lockoutNoted: (user: string, block: string, until: number) =>
    `lockout-noted:${enc(user)}:${block}:${until}`,
} as const

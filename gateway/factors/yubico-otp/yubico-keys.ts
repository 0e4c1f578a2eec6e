// Encoded like gateway/store/keys.ts does, so no name can forge a key of another kind.
const enc = encodeURIComponent

/**
 * The store keys of the YubiKey OTP factor. They belong in gateway/store/keys.ts; they live here
 * until that file takes them, with the same shapes.
 */
export const yubicoKeys = {
  /** The user's YubiKeys, one JSON list: public id, name, createdAt, lastUsedAt. */
  keysOf: (user: string) => `user:${enc(user)}:yubico-otp`,
  /** Public ids imported for the user (local mode), listed or not yet, so a reset can forget them. */
  importedFor: (user: string) => `user:${enc(user)}:yubico-otp-imported`,
  /** Public id → its one owner, claimed with set-if-absent at import or enrollment. */
  owner: (publicId: string) => `yubico-otp-owner:${enc(publicId)}`,
  /** Local mode: private id and AES key, sealed with the public id as associated data. */
  secret: (publicId: string) => `yubico-otp-secret:${enc(publicId)}`,
  /**
   * Local mode: the (useCtr, sessionCtr) values accepted, a member set whose maximum only grows.
   * `generation` names the key material (gateway/factors/yubico-otp/local-validation.ts).
   */
  counters: (publicId: string, generation: string) =>
    `yubico-otp-counters:${enc(publicId)}:${enc(generation)}`,
  /** Local mode: one counter value, claimed with set-if-absent so that it is accepted once. */
  counterUsed: (publicId: string, generation: string, counter: string) =>
    `yubico-otp-used:${enc(publicId)}:${enc(generation)}:${counter}`,
} as const

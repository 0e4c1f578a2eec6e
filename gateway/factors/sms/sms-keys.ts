// Encoded like gateway/store/keys.ts does, so no name can forge a key of another kind.
const enc = encodeURIComponent

/**
 * The store keys of the text-message factor. They belong in gateway/store/keys.ts; they live here
 * until that file takes them, with the same shapes.
 */
export const smsKeys = {
  /** The user's active number, sealed, with when it was added and last used. */
  phone: (user: string) => `user:${enc(user)}:sms`,
  /** The one outstanding code of a purpose: its HMAC, the number it went to (sealed), its expiry. */
  code: (user: string, purpose: string) => `user:${enc(user)}:sms-code:${purpose}`,
  /** Guesses at one code, counted atomically across gateways. */
  attempts: (user: string, codeId: string) => `user:${enc(user)}:sms-attempts:${enc(codeId)}`,
  /** One code, claimed with set-if-absent so that it is accepted once. */
  used: (user: string, codeId: string) => `user:${enc(user)}:sms-used:${enc(codeId)}`,
  /** Present while the user must wait before another code of this purpose is sent. */
  cooldown: (user: string, purpose: string) => `user:${enc(user)}:sms-cooldown:${purpose}`,
  /** Messages sent to the user, and to a number (by its HMAC), in the current hour. */
  sentToUser: (user: string) => `user:${enc(user)}:sms-sent`,
  sentToNumber: (numberHash: string) => `sms-sent-to:${numberHash}`,
} as const

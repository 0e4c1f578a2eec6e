import { hexToModhex, isHex, isModhex, MAX_OTP_LENGTH, TOKEN_LENGTH } from './otp.ts'

/** What local validation needs of one YubiKey slot programmed for Yubico OTP. */
export interface KeyMaterial {
  /** Modhex, 2 to 16 characters (12 on Yubico's keys): the start of every OTP the key types. */
  publicId: string
  /** 12 hex characters (6 bytes), inside every decrypted token. */
  privateId: string
  /** 32 hex characters (AES-128). */
  aesKey: string
}

export type MaterialCheck = { ok: true; material: KeyMaterial } | { ok: false; error: string }

const MAX_PUBLIC_ID_LENGTH = MAX_OTP_LENGTH - TOKEN_LENGTH

/**
 * Lower-cases and drops spaces (tools print ids in groups: "vv cc cc de"), then checks each part.
 * A public id written in hex (an option of the personalisation tool) is converted to modhex; one made
 * only of b–f reads the same either way and is taken as modhex, the tool's default.
 */
export function checkKeyMaterial(input: KeyMaterial): MaterialCheck {
  const clean = (text: string) => text.replace(/\s+/g, '').toLowerCase()
  let publicId = clean(input.publicId)
  const privateId = clean(input.privateId)
  const aesKey = clean(input.aesKey)
  if (!isModhex(publicId) && isHex(publicId)) publicId = hexToModhex(publicId)
  if (!isModhex(publicId) || publicId.length < 2 || publicId.length > MAX_PUBLIC_ID_LENGTH) {
    return {
      ok: false,
      error: `public id must be 2 to ${MAX_PUBLIC_ID_LENGTH} modhex characters, got '${input.publicId}'`,
    }
  }
  if (publicId.length % 2 !== 0) {
    return { ok: false, error: `public id must have an even number of characters, got '${input.publicId}'` }
  }
  if (!isHex(privateId) || privateId.length !== 12) {
    return { ok: false, error: `private id must be 12 hex characters, got ${describe(privateId)}` }
  }
  // The AES key is a secret: the message says what is wrong with it, never what it is.
  if (!isHex(aesKey) || aesKey.length !== 32) {
    return { ok: false, error: `AES key must be 32 hex characters, got ${describe(aesKey)}` }
  }
  return { ok: true, material: { publicId, privateId, aesKey } }
}

function describe(text: string): string {
  if (text === '') return 'nothing'
  return isHex(text) ? `${text.length} hex characters` : `${text.length} characters, not all hex`
}

/**
 * What a YubiKey types: an optional public id (0–16 modhex characters, 12 on Yubico's keys) followed
 * by a 32-character token, the AES block, all in modhex. Modhex uses only letters that sit in the
 * same place on most keyboard layouts, so the key types the same bytes wherever it is plugged in.
 */
const MODHEX_ALPHABET = 'cbdefghijklnrtuv'
const HEX_ALPHABET = '0123456789abcdef'

export const TOKEN_LENGTH = 32
export const MAX_OTP_LENGTH = 48
/** Room for the Enter the key sends and a stray space; anything longer is refused unread. */
const MAX_INPUT_LENGTH = 64

const otpShape = /^[cbdefghijklnrtuv]{32,48}$/

export interface ParsedOtp {
  /** The whole OTP, trimmed and lower-cased: what a validation server is sent. */
  otp: string
  /** All but the last 32 characters, in modhex; '' when the key sends no public id. */
  publicId: string
  /** The last 32 characters: the AES-encrypted block, in modhex. */
  token: string
}

/** The OTP's parts; null for anything that is not 32 to 48 modhex characters. */
export function parseOtp(input: string): ParsedOtp | null {
  if (input.length > MAX_INPUT_LENGTH) return null
  const otp = input.trim().toLowerCase()
  if (!otpShape.test(otp)) return null
  return { otp, publicId: otp.slice(0, -TOKEN_LENGTH), token: otp.slice(-TOKEN_LENGTH) }
}

export function isModhex(text: string): boolean {
  return /^[cbdefghijklnrtuv]*$/.test(text)
}

export function isHex(text: string): boolean {
  return /^[0-9a-f]*$/.test(text)
}

/** Lower-case modhex to hex; throws on any other character (callers check first). */
export function modhexToHex(modhex: string): string {
  return translate(modhex, MODHEX_ALPHABET, HEX_ALPHABET)
}

/** Lower-case hex to modhex; throws on any other character (callers check first). */
export function hexToModhex(hex: string): string {
  return translate(hex, HEX_ALPHABET, MODHEX_ALPHABET)
}

export function modhexToBytes(modhex: string): Buffer {
  if (modhex.length % 2 !== 0) throw new TypeError('modhex must have an even number of characters')
  return Buffer.from(modhexToHex(modhex), 'hex')
}

function translate(text: string, from: string, to: string): string {
  let out = ''
  for (const char of text) {
    const at = from.indexOf(char)
    if (at === -1) throw new TypeError(`'${char}' is not in the alphabet '${from}'`)
    out += to[at]
  }
  return out
}

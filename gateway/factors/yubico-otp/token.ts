import { createDecipheriv } from 'node:crypto'
import { modhexToBytes, TOKEN_LENGTH } from './otp.ts'

/** CRC-16 (ISO 13239) over a block that ends with its own CRC leaves this residue. */
export const CRC_OK_RESIDUE = 0xf0b8

/**
 * The decrypted 16-byte block of a Yubico OTP, little-endian:
 * uid (6) | useCtr (2) | tstp (3) | sessionCtr (1) | rnd (2) | crc (2).
 */
export interface TokenFields {
  /** The private id programmed with the AES key, 6 bytes. */
  privateId: Buffer
  /** Non-volatile counter, bumped at power-up and when the session counter wraps; 15 bits. */
  useCounter: number
  /** The top bit of useCtr: caps lock was on when the key typed the OTP. Not part of the counter. */
  capsLock: boolean
  /** An ~8 Hz timer started at a random value at power-up; 24 bits. */
  timestamp: number
  /** Counts OTPs since power-up; 8 bits. */
  sessionCounter: number
  random: number
  crc: number
}

/** CRC-16/ISO 13239 as the YubiKey computes it: reflected polynomial 0x8408, initial 0xffff. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff
  for (const byte of bytes) {
    crc ^= byte
    for (let bit = 0; bit < 8; bit++) {
      const carry = crc & 1
      crc >>= 1
      if (carry) crc ^= 0x8408
    }
  }
  return crc
}

/**
 * Decrypts the 32-modhex token with the key's AES-128 key (one ECB block, no padding) and reads its
 * fields; null when the CRC does not check out, which is what a token encrypted under another key
 * (or made up) gives.
 */
export function decryptToken(token: string, aesKey: Buffer): TokenFields | null {
  if (token.length !== TOKEN_LENGTH || aesKey.length !== 16) return null
  const decipher = createDecipheriv('aes-128-ecb', aesKey, null)
  decipher.setAutoPadding(false)
  const block = Buffer.concat([decipher.update(modhexToBytes(token)), decipher.final()])
  if (crc16(block) !== CRC_OK_RESIDUE) return null
  const useCtr = block.readUInt16LE(6)
  return {
    privateId: block.subarray(0, 6),
    useCounter: useCtr & 0x7fff,
    capsLock: (useCtr & 0x8000) !== 0,
    timestamp: block.readUIntLE(8, 3),
    sessionCounter: block[11] as number,
    random: block.readUInt16LE(12),
    crc: block.readUInt16LE(14),
  }
}

import { createCipheriv, createDecipheriv, randomBytes, randomInt } from 'node:crypto'

/*
 * A YubiKey in software, for the demo's simulated key and for the tests. Written from the Yubico OTP
 * format (yubico-c's yubikey.h and test-vectors.txt), not from tapgate's validation code
 * (gateway/factors/yubico-otp/), so that a test comparing the two catches a mistake in either.
 */
const MODHEX = 'cbdefghijklnrtuv'
const HEX = '0123456789abcdef'

export interface YubiKeyIdentity {
  /** Modhex: what every OTP starts with. */
  publicId: string
  /** 12 hex characters, inside every token. */
  privateId: string
  /** 32 hex characters (AES-128). */
  aesKey: string
}

/** The plaintext fields of one token, as the key fills them in. */
export interface TokenFields {
  privateId: string
  /** 15 bits; bumped at power-up and when the session counter wraps. */
  useCounter: number
  /** The useCtr flag for "caps lock was on". */
  capsLock?: boolean
  /** 24 bits, ~8 Hz, random at power-up. */
  timestamp: number
  /** 8 bits, counts taps since power-up. */
  sessionCounter: number
  /** 16 bits. */
  random: number
}

/**
 * A YubiKey with a slot programmed for Yubico OTP. `tap()` types a real OTP; taps count up the
 * session counter, `replug()` bumps the use counter as powering the key up again does.
 */
export class SoftYubiKey implements YubiKeyIdentity {
  readonly publicId: string
  readonly privateId: string
  readonly aesKey: string
  #useCounter: number
  #sessionCounter = 0
  #timestamp: number

  constructor(identity: YubiKeyIdentity, start: { useCounter?: number; timestamp?: number } = {}) {
    this.publicId = identity.publicId
    this.privateId = identity.privateId
    this.aesKey = identity.aesKey
    this.#useCounter = start.useCounter ?? 1
    this.#timestamp = start.timestamp ?? randomInt(0x1000000)
  }

  /** A key with a random 12-character public id, private id and AES key. */
  static random(): SoftYubiKey {
    return new SoftYubiKey({
      publicId: toModhex(randomBytes(6).toString('hex')),
      privateId: randomBytes(6).toString('hex'),
      aesKey: randomBytes(16).toString('hex'),
    })
  }

  get identity(): YubiKeyIdentity {
    return { publicId: this.publicId, privateId: this.privateId, aesKey: this.aesKey }
  }

  /** The counters the next tap will carry. */
  get next(): { useCounter: number; sessionCounter: number } {
    return { useCounter: this.#useCounter, sessionCounter: this.#sessionCounter }
  }

  tap(): string {
    const otp = encodeOtp(this.publicId, this.aesKey, {
      privateId: this.privateId,
      useCounter: this.#useCounter,
      timestamp: this.#timestamp,
      sessionCounter: this.#sessionCounter,
      random: randomInt(0x10000),
    })
    this.#timestamp = (this.#timestamp + 1 + randomInt(16)) & 0xffffff
    // The session counter is 8 bits; the key bumps the use counter when it wraps.
    if (++this.#sessionCounter > 0xff) this.replug()
    return otp
  }

  replug(): void {
    this.#useCounter = (this.#useCounter + 1) & 0x7fff
    this.#sessionCounter = 0
    this.#timestamp = randomInt(0x1000000)
  }
}

/** An OTP from explicit fields: public id, then the AES-128-ECB encrypted, CRC-protected block. */
export function encodeOtp(publicId: string, aesKey: string, fields: TokenFields): string {
  const block = Buffer.alloc(16)
  Buffer.from(fields.privateId, 'hex').copy(block, 0)
  block.writeUInt16LE((fields.useCounter & 0x7fff) | (fields.capsLock ? 0x8000 : 0), 6)
  block.writeUIntLE(fields.timestamp & 0xffffff, 8, 3)
  block[11] = fields.sessionCounter & 0xff
  block.writeUInt16LE(fields.random & 0xffff, 12)
  // The key stores the one's complement, so the CRC over all 16 bytes leaves the residue 0xf0b8.
  block.writeUInt16LE(~crc16(block.subarray(0, 14)) & 0xffff, 14)
  const cipher = createCipheriv('aes-128-ecb', Buffer.from(aesKey, 'hex'), null)
  cipher.setAutoPadding(false)
  const encrypted = Buffer.concat([cipher.update(block), cipher.final()])
  return publicId + toModhex(encrypted.toString('hex'))
}

/** The fields of an OTP under `aesKey`; null when its CRC does not check out. */
export function decodeOtp(otp: string, aesKey: string): TokenFields | null {
  if (otp.length < 32) return null
  const decipher = createDecipheriv('aes-128-ecb', Buffer.from(aesKey, 'hex'), null)
  decipher.setAutoPadding(false)
  const block = Buffer.concat([
    decipher.update(Buffer.from(fromModhex(otp.slice(-32)), 'hex')),
    decipher.final(),
  ])
  if (crc16(block) !== 0xf0b8) return null
  const useCtr = block.readUInt16LE(6)
  return {
    privateId: block.subarray(0, 6).toString('hex'),
    useCounter: useCtr & 0x7fff,
    capsLock: (useCtr & 0x8000) !== 0,
    timestamp: block.readUIntLE(8, 3),
    sessionCounter: block[11] as number,
    random: block.readUInt16LE(12),
  }
}

function toModhex(hex: string): string {
  return [...hex].map((c) => MODHEX[HEX.indexOf(c)]).join('')
}

function fromModhex(modhex: string): string {
  return [...modhex].map((c) => HEX[MODHEX.indexOf(c)]).join('')
}

function crc16(bytes: Uint8Array): number {
  let crc = 0xffff
  for (const byte of bytes) {
    crc ^= byte
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >> 1) ^ 0x8408 : crc >> 1
  }
  return crc
}

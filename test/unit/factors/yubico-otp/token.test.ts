import { describe, expect, it } from 'vitest'
import { decodeOtp, encodeOtp, SoftYubiKey } from '../../../../demo/soft-yubikey.ts'
import { parseOtp } from '../../../../gateway/factors/yubico-otp/otp.ts'
import { CRC_OK_RESIDUE, crc16, decryptToken } from '../../../../gateway/factors/yubico-otp/token.ts'

const aesKey = (hex: string) => Buffer.from(hex, 'hex')
const tokenOf = (otp: string) => parseOtp(otp)?.token ?? ''

// Yubico's yubico-c: test-vectors.txt, and the example of ykgenerate(1) / ykparse(1).
const YUBICO_KEY = 'ecde18dbe76fbd0c33330f1c354871db'
const TEST_VECTOR_OTP = 'dteffujehknhfjbrjnlnldnhcujvddbikngjrtgh'
const MANPAGE_OTP = 'dteffujedcflcindvdbrblehecuitvjkjevvehjd'

describe('CRC-16 (ISO 13239)', () => {
  it('leaves the residue 0xf0b8 over the published plaintext, CRC included', () => {
    expect(crc16(Buffer.from('8792ebfe26cc130030c20011c89f23c8', 'hex'))).toBe(CRC_OK_RESIDUE)
  })

  it('gives the complement of the stored CRC over the first 14 bytes', () => {
    const crc = crc16(Buffer.from('8792ebfe26cc130030c20011c89f', 'hex'))
    expect(~crc & 0xffff).toBe(0xc823)
  })

  it('catches a flipped bit', () => {
    expect(crc16(Buffer.from('8792ebfe26cc130030c20011c89f23c9', 'hex'))).not.toBe(CRC_OK_RESIDUE)
  })
})

describe('decryptToken', () => {
  it("reads the fields of yubico-c's test vector", () => {
    expect(decryptToken(tokenOf(TEST_VECTOR_OTP), aesKey(YUBICO_KEY))).toEqual({
      privateId: Buffer.from('8792ebfe26cc', 'hex'),
      useCounter: 0x0013,
      capsLock: false,
      timestamp: 0x00c230,
      sessionCounter: 0x11,
      random: 0x9fc8,
      crc: 0xc823,
    })
  })

  it('reads the fields ykgenerate(1) was given for the ykparse(1) example', () => {
    // ykgenerate ecde18dbe76fbd0c33330f1c354871db 8792ebfe26cc 0013 c0a8 00 10
    expect(decryptToken(tokenOf(MANPAGE_OTP), aesKey(YUBICO_KEY))).toMatchObject({
      privateId: Buffer.from('8792ebfe26cc', 'hex'),
      useCounter: 0x0013,
      timestamp: 0x00c0a8,
      sessionCounter: 0x10,
    })
  })

  it('gives null under another key, for a made-up token and for a bad key length', () => {
    expect(decryptToken(tokenOf(TEST_VECTOR_OTP), aesKey('00'.repeat(16)))).toBeNull()
    expect(decryptToken('c'.repeat(32), aesKey(YUBICO_KEY))).toBeNull()
    expect(decryptToken(tokenOf(TEST_VECTOR_OTP), aesKey('00'.repeat(15)))).toBeNull()
  })

  it('keeps the caps-lock flag out of the use counter', () => {
    const key = SoftYubiKey.random()
    const otp = encodeOtp(key.publicId, key.aesKey, {
      privateId: key.privateId,
      useCounter: 5,
      capsLock: true,
      timestamp: 1,
      sessionCounter: 2,
      random: 3,
    })
    expect(decryptToken(tokenOf(otp), aesKey(key.aesKey))).toMatchObject({ useCounter: 5, capsLock: true })
  })
})

describe('the test YubiKey', () => {
  it('types exactly the OTP of the ykparse(1) example from the same fields', () => {
    const otp = encodeOtp('dteffuje', YUBICO_KEY, {
      privateId: '8792ebfe26cc',
      useCounter: 0x0013,
      timestamp: 0x00c0a8,
      sessionCounter: 0x10,
      random: 0x08b4,
    })
    expect(otp).toBe(MANPAGE_OTP)
  })

  it("types exactly yubiotp's documented OTP (key '0123456789abcdef' as ASCII)", () => {
    // pythonhosted.org/YubiOTP: OTP(uid 0123456789ab, session 5, timestamp 0x0153f8, counter 0, rand 0x1234)
    const otp = encodeOtp('cclngiuv', Buffer.from('0123456789abcdef').toString('hex'), {
      privateId: '0123456789ab',
      useCounter: 5,
      timestamp: 0x0153f8,
      sessionCounter: 0,
      random: 0x1234,
    })
    expect(otp).toBe('cclngiuvttkhthcilurtkerbjnnkljfkjccklkhl')
  })

  it('decodes the published test vector as tapgate does', () => {
    expect(decodeOtp(TEST_VECTOR_OTP, YUBICO_KEY)).toEqual({
      privateId: '8792ebfe26cc',
      useCounter: 0x13,
      capsLock: false,
      timestamp: 0xc230,
      sessionCounter: 0x11,
      random: 0x9fc8,
    })
  })

  it('counts sessions per tap and uses per replug, every OTP decrypting under its key', () => {
    const key = new SoftYubiKey(SoftYubiKey.random().identity, { useCounter: 7 })
    const seen = []
    for (let i = 0; i < 3; i++) seen.push(decryptToken(tokenOf(key.tap()), aesKey(key.aesKey)))
    key.replug()
    seen.push(decryptToken(tokenOf(key.tap()), aesKey(key.aesKey)))
    expect(seen.map((f) => [f?.useCounter, f?.sessionCounter])).toEqual([
      [7, 0],
      [7, 1],
      [7, 2],
      [8, 0],
    ])
    for (const fields of seen) expect(fields?.privateId.toString('hex')).toBe(key.privateId)
  })

  it('bumps the use counter when the 8-bit session counter wraps', () => {
    const key = new SoftYubiKey(SoftYubiKey.random().identity, { useCounter: 1 })
    for (let i = 0; i < 256; i++) key.tap()
    expect(key.next).toEqual({ useCounter: 2, sessionCounter: 0 })
  })
})

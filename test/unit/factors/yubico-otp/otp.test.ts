import { describe, expect, it } from 'vitest'
import {
  hexToModhex,
  isModhex,
  modhexToBytes,
  modhexToHex,
  parseOtp,
} from '../../../../gateway/factors/yubico-otp/otp.ts'

// yubico-c test-vectors.txt
const PUBLISHED_OTP = 'dteffujehknhfjbrjnlnldnhcujvddbikngjrtgh'

describe('modhex', () => {
  it('matches the published vectors both ways', () => {
    expect(modhexToHex('dteffuje')).toBe('2d344e83')
    expect(modhexToHex('hknhfjbrjnlnldnhcujvddbikngjrtgh')).toBe('69b6481c8baba2b60e8f22179b58cd56')
    expect(hexToModhex('ecde18dbe76fbd0c33330f1c354871db')).toBe('urtubjtnuihvntcreeeecvbregfjibtn')
    expect(hexToModhex(Buffer.from('test').toString('hex'))).toBe('ifhgieif')
    expect(modhexToBytes('ifhgieif').toString()).toBe('test')
  })

  it('maps the whole alphabet in order and round-trips', () => {
    expect(modhexToHex('cbdefghijklnrtuv')).toBe('0123456789abcdef')
    expect(hexToModhex(modhexToHex(PUBLISHED_OTP))).toBe(PUBLISHED_OTP)
  })

  it('refuses characters outside the alphabet', () => {
    expect(isModhex('cbdefghijklnrtuv')).toBe(true)
    expect(isModhex('abc')).toBe(false)
    expect(() => modhexToHex('cbx')).toThrow(TypeError)
    expect(() => hexToModhex('0g')).toThrow(TypeError)
    expect(() => modhexToBytes('cbd')).toThrow(TypeError)
  })
})

describe('parseOtp', () => {
  it('splits a 44-character OTP into a 12-character public id and the 32-character token', () => {
    const otp = 'ccccccjlkgjlevtdernkbbnrrvhcvdbljgchbgbdbvgk'
    expect(parseOtp(otp)).toEqual({
      otp,
      publicId: 'ccccccjlkgjl',
      token: 'evtdernkbbnrrvhcvdbljgchbgbdbvgk',
    })
  })

  it('takes every length from 32 (no public id) to 48 (16-character public id)', () => {
    expect(parseOtp(PUBLISHED_OTP)?.publicId).toBe('dteffuje')
    expect(parseOtp('c'.repeat(32))).toEqual({ otp: 'c'.repeat(32), publicId: '', token: 'c'.repeat(32) })
    expect(parseOtp('v'.repeat(48))?.publicId).toBe('v'.repeat(16))
  })

  it('trims what the key sends around it and reads upper case (caps lock on)', () => {
    expect(parseOtp(` ${PUBLISHED_OTP.toUpperCase()}\r\n`)?.otp).toBe(PUBLISHED_OTP)
    expect(parseOtp(`\t${PUBLISHED_OTP}\n`)?.token).toBe('hknhfjbrjnlnldnhcujvddbikngjrtgh')
  })

  it('refuses anything that is not 32 to 48 modhex characters as malformed', () => {
    for (const bad of [
      '',
      'c'.repeat(31),
      'c'.repeat(49),
      `${PUBLISHED_OTP.slice(0, -1)}a`, // 'a' is hex, not modhex
      `${PUBLISHED_OTP.slice(0, 20)} ${PUBLISHED_OTP.slice(20)}`,
      '123456',
      `${PUBLISHED_OTP}\u0000`,
    ]) {
      expect(parseOtp(bad), JSON.stringify(bad)).toBeNull()
    }
  })

  it('refuses over-long input before trimming it, however much of it is whitespace', () => {
    expect(parseOtp(`${PUBLISHED_OTP}${' '.repeat(24)}`)?.otp).toBe(PUBLISHED_OTP)
    expect(parseOtp(`${PUBLISHED_OTP}${' '.repeat(25)}`)).toBeNull()
    expect(parseOtp('c'.repeat(1_000_000))).toBeNull()
  })
})

import { describe, expect, it } from 'vitest'
import { parsePersonalizationCsv } from '../../../../gateway/factors/yubico-otp/personalization-csv.ts'

const AES = 'e5cb5e6a2a6d1d9cf7a44d2a6fbb0a39'
const key = { publicId: 'vvccccdeuvhf', privateId: 'd5d0cd1fa1d6', aesKey: AES }

describe('parsePersonalizationCsv', () => {
  it("reads the tool's traditional log, skipping the LOGGING START line", () => {
    const text = [
      'LOGGING START,12/11/2012 11:20',
      `Yubico OTP,12/11/2012 11:20,1,vvccccdeuvhf,d5d0cd1fa1d6,${AES},,,0,0,0,0,0,0,0,0,0,0`,
      `Yubico OTP,12/11/2012 11:21,2,vvccccdeuvhg,0123456789ab,${'ab'.repeat(16)},,,0,0,0,0,0,0,0,0,0,0`,
    ].join('\r\n')
    expect(parsePersonalizationCsv(text)).toEqual([
      { line: 2, ok: true, key, serial: null, slot: 1 },
      {
        line: 3,
        ok: true,
        key: { publicId: 'vvccccdeuvhg', privateId: '0123456789ab', aesKey: 'ab'.repeat(16) },
        serial: null,
        slot: 2,
      },
    ])
  })

  it('finds the fields after a locale date that contains commas', () => {
    const text = `Yubico OTP,"Tuesday, 11 December 2012 11:20",1,vvccccdeuvhf,d5d0cd1fa1d6,${AES},,,0,0,0,0,0,0,0,0,0,0
Yubico OTP,Tue, 11 Dec 2012 11:20,1,vvccccdeuvhf,d5d0cd1fa1d6,${AES},,,0,0,0,0,0,0,0,0,0,0`
    expect(parsePersonalizationCsv(text)).toEqual([
      { line: 1, ok: true, key, serial: null, slot: 1 },
      { line: 2, ok: true, key, serial: null, slot: 1 },
    ])
  })

  it("reads the tool's Yubico format, with or without a serial", () => {
    const text = `3019838,vvccccdeuvhf,d5d0cd1fa1d6,${AES},,2012-12-11T11:20:00,
,vvccccdeuvhf,d5d0cd1fa1d6,${AES},,2012-12-11T11:20:00,`
    expect(parsePersonalizationCsv(text)).toEqual([
      { line: 1, ok: true, key, serial: '3019838', slot: null },
      { line: 2, ok: true, key, serial: null, slot: null },
    ])
  })

  it('lower-cases, drops spaces inside ids, and converts a public id written in hex', () => {
    const text = `Yubico OTP,x,1,VV CC CC DE UV HF,D5 D0 CD 1F A1 D6,${AES.toUpperCase()},,,0
Yubico OTP,x,1,ff000023ef64,d5d0cd1fa1d6,${AES},,,0`
    const [spaced, hex] = parsePersonalizationCsv(text)
    expect(spaced).toEqual({ line: 1, ok: true, key, serial: null, slot: 1 })
    expect(hex).toMatchObject({ ok: true, key: { publicId: 'vvccccdeuvhf' } })
  })

  it('skips blank lines and comments', () => {
    expect(parsePersonalizationCsv('\n# programmed for the finance team\n   \n')).toEqual([])
  })

  it('reports each bad line with its number and what is wrong, never echoing the AES key', () => {
    const badAes = `${AES.slice(0, 30)}zz`
    const text = [
      `Yubico OTP,12/11/2012 11:20,1,vvccccdeuvhf,d5d0cd1f,${AES},,,0`,
      `Yubico OTP,12/11/2012 11:20,1,vvccccdeuvhf,d5d0cd1fa1d6,${badAes},,,0`,
      `Yubico OTP,12/11/2012 11:20,1,vvxyz,d5d0cd1fa1d6,${AES},,,0`,
      `Yubico OTP,12/11/2012 11:20,1,vvccccdeuvh,d5d0cd1fa1d6,${AES},,,0`,
      `OATH-HOTP,12/11/2012 11:20,2,vvccccdeuvhf,0,${'ab'.repeat(20)},,,0`,
      'Yubico OTP,12/11/2012 11:20',
      'Yubico OTP,"12/11/2012 11:20,1,vvccccdeuvhf',
      'hello world',
    ].join('\n')
    const rows = parsePersonalizationCsv(text)
    expect(rows).toEqual([
      { line: 1, ok: false, error: 'private id must be 12 hex characters, got 8 hex characters' },
      { line: 2, ok: false, error: 'AES key must be 32 hex characters, got 32 characters, not all hex' },
      { line: 3, ok: false, error: "public id must be 2 to 16 modhex characters, got 'vvxyz'" },
      { line: 4, ok: false, error: "public id must have an even number of characters, got 'vvccccdeuvh'" },
      { line: 5, ok: false, error: "a 'OATH-HOTP' configuration, not Yubico OTP" },
      { line: 6, ok: false, error: 'too few fields for a Yubico OTP line' },
      { line: 7, ok: false, error: 'unbalanced double quotes' },
      { line: 8, ok: false, error: 'neither a Personalization Tool log line nor a Yubico-format row' },
    ])
    expect(JSON.stringify(rows)).not.toContain(badAes)
  })

  it('refuses an over-long line without reading it', () => {
    expect(parsePersonalizationCsv(`Yubico OTP,${'x'.repeat(5000)}`)).toEqual([
      { line: 1, ok: false, error: 'longer than 1024 characters' },
    ])
  })
})

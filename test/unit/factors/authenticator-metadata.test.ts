import { describe, expect, it } from 'vitest'
import {
  MetadataFileError,
  readAuthenticatorMetadata,
} from '../../../gateway/factors/webauthn/authenticator-metadata.ts'
import { metadataEntry, metadataJwt, metadataPayload, writeTempFile } from '../../support/fido-metadata.ts'

const YUBIKEY = 'ee882879-721c-4913-9775-3dfcce97072a'
const SOLO = '8876631b-d4a0-427f-5773-0ec71c9e0279'

describe('readAuthenticatorMetadata', () => {
  const entries = [
    metadataEntry({ aaguid: YUBIKEY, description: 'YubiKey 5 Series' }),
    metadataEntry({ aaguid: SOLO, description: 'Solo Secp256R1', statuses: ['FIDO_CERTIFIED', 'REVOKED'] }),
  ]

  it('reads the BLOB as downloaded (a JWT) and its JSON payload alike', () => {
    for (const file of [
      writeTempFile('blob.jwt', `${metadataJwt(entries)}\n`),
      writeTempFile('blob.json', JSON.stringify(metadataPayload(entries))),
    ]) {
      const metadata = readAuthenticatorMetadata(file)
      expect(metadata.names).toEqual(
        new Map([
          [YUBIKEY, 'YubiKey 5 Series'],
          [SOLO, 'Solo Secp256R1'],
        ]),
      )
      expect(metadata.statements.map((s) => s.aaguid)).toEqual([YUBIKEY, SOLO])
    }
  })

  it('accepts a bare list of metadata statements', () => {
    const statements = entries.map((e) => e.metadataStatement)
    const metadata = readAuthenticatorMetadata(writeTempFile('statements.json', JSON.stringify(statements)))
    expect([...metadata.names.values()]).toEqual(['YubiKey 5 Series', 'Solo Secp256R1'])
    expect(metadata.compromised.size).toBe(0)
  })

  it('marks a model compromised by its latest status report only', () => {
    const healed = metadataEntry({
      aaguid: YUBIKEY,
      description: 'YubiKey 5 Series',
      statuses: ['USER_VERIFICATION_BYPASS', 'UPDATE_AVAILABLE', 'FIDO_CERTIFIED_L2'],
    })
    const metadata = readAuthenticatorMetadata(
      writeTempFile('b.json', JSON.stringify(metadataPayload([healed, entries[1]]))),
    )
    expect([...metadata.compromised]).toEqual([SOLO])
  })

  it('keys models by lower-case AAGUID and skips U2F entries, which have none', () => {
    const upper = metadataEntry({ aaguid: YUBIKEY.toUpperCase(), description: 'YubiKey 5 Series' })
    const u2f = {
      attestationCertificateKeyIdentifiers: ['923881fe2f214ee465484371aeb72e97f5a58e0a'],
      statusReports: [],
    }
    const metadata = readAuthenticatorMetadata(
      writeTempFile('b.json', JSON.stringify(metadataPayload([upper, u2f]))),
    )
    expect([...metadata.names.keys()]).toEqual([YUBIKEY])
    expect(metadata.statements[0]?.aaguid).toBe(YUBIKEY)
  })

  it('names the file and the problem when it cannot be used', () => {
    const problem = (file: string) => {
      try {
        readAuthenticatorMetadata(file)
      } catch (error) {
        expect(error).toBeInstanceOf(MetadataFileError)
        return (error as Error).message
      }
      return 'no error'
    }
    expect(problem('/nonexistent/blob.jwt')).toBe("cannot read '/nonexistent/blob.jwt' (ENOENT)")
    expect(problem(writeTempFile('x.jwt', 'not metadata at all'))).toBe(
      'expected a metadata BLOB (JWT) or its JSON payload',
    )
    const noDescription = metadataPayload([{ ...entries[0], metadataStatement: { aaguid: YUBIKEY } }])
    const file = writeTempFile('x.json', JSON.stringify(noDescription))
    expect(problem(file)).toMatch(
      new RegExp(`^'${file}' is not FIDO metadata at entries\\.0\\.metadataStatement\\.description: `),
    )
    const onlyU2f = writeTempFile('u2f.json', JSON.stringify(metadataPayload([])))
    expect(problem(onlyU2f)).toBe(`'${onlyU2f}' describes no FIDO2 authenticator (no AAGUIDs)`)
  })
})

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * FIDO MDS3 metadata as the FIDO Alliance publishes it (https://mds3.fidoalliance.org/): a JWT whose
 * payload lists entries, each with a metadata statement and status reports. Only the fields a
 * relying party reads are filled in.
 */
export interface ModelFixture {
  aaguid: string
  description: string
  /** Status reports, oldest first (the spec's order). */
  statuses?: string[]
}

export function metadataEntry({ aaguid, description, statuses = ['FIDO_CERTIFIED_L1'] }: ModelFixture) {
  return {
    aaguid,
    metadataStatement: {
      legalHeader:
        'Submission of this statement and retrieval and use of this statement indicates acceptance.',
      aaguid,
      description,
      authenticatorVersion: 50100,
      protocolFamily: 'fido2',
      schema: 3,
      upv: [{ major: 1, minor: 0 }],
      authenticationAlgorithms: ['secp256r1_ecdsa_sha256_raw'],
      publicKeyAlgAndEncodings: ['cose'],
      attestationTypes: ['basic_full'],
      userVerificationDetails: [[{ userVerificationMethod: 'presence_internal' }]],
      keyProtection: ['hardware', 'secure_element'],
      matcherProtection: ['on_chip'],
      attachmentHint: ['external', 'wired', 'nfc'],
      tcDisplay: [],
      attestationRootCertificates: [
        'MIIBfjCCASWgAwIBAgIBATAKBggqhkjOPQQDAjAXMRUwEwYDVQQDDAxGVCBGSURPIDAyMDA=',
      ],
    },
    statusReports: statuses.map((status, i) => ({ status, effectiveDate: `2024-0${i + 1}-01` })),
    timeOfLastStatusChange: '2024-01-01',
  }
}

/** The BLOB's payload: what its JWT carries. */
export function metadataPayload(entries: unknown[]) {
  return {
    legalHeader: 'Retrieval and use of this BLOB indicates acceptance.',
    no: 42,
    nextUpdate: '2026-12-01',
    entries,
  }
}

/** An unsigned JWT around the payload, shaped as the downloaded BLOB (header.payload.signature). */
export function metadataJwt(entries: unknown[]): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'ES256', typ: 'JWT' })}.${part(metadataPayload(entries))}.c2lnbmF0dXJl`
}

/** Writes `text` to a fresh temporary file and returns its path. */
export function writeTempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tapgate-mds-')), name)
  writeFileSync(file, text)
  return file
}

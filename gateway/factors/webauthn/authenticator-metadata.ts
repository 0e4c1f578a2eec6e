import { readFileSync } from 'node:fs'
import { MetadataService, type MetadataStatement } from '@simplewebauthn/server'
import { z } from 'zod'

/**
 * An offline copy of the FIDO Alliance Metadata Service (MDS3): which authenticator model an AAGUID
 * is ("YubiKey 5 Series with NFC"), the roots its attestation must chain to, and whether the model
 * has been reported compromised. tapgate never fetches it; the operator downloads the BLOB
 * (https://mds3.fidoalliance.org/) and names the file in `factors.webauthn.metadata_file`.
 */
export interface AuthenticatorMetadata {
  /** The statements of FIDO2 models, for attestation checks (@simplewebauthn/server's MetadataService). */
  statements: MetadataStatement[]
  /** The model's name by lower-case AAGUID. */
  names: ReadonlyMap<string, string>
  /** AAGUIDs whose latest status report says the model can no longer be trusted. */
  compromised: ReadonlySet<string>
}

/** MDS3 statuses after which a model's keys prove nothing (FIDO Metadata Service v3.0 §3.1.4). */
const untrustworthy = new Set([
  'REVOKED',
  'USER_VERIFICATION_BYPASS',
  'ATTESTATION_KEY_COMPROMISE',
  'USER_KEY_REMOTE_COMPROMISE',
  'USER_KEY_PHYSICAL_COMPROMISE',
])

const aaguid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'expected an AAGUID' })

// Only what tapgate reads is checked; the rest of a statement is handed on as it is.
const statement = z.looseObject({
  aaguid: aaguid.optional(),
  description: z.string().min(1),
  attestationRootCertificates: z.array(z.string()),
})

const entry = z.looseObject({
  aaguid: aaguid.optional(),
  metadataStatement: statement.optional(),
  statusReports: z.array(z.looseObject({ status: z.string() })).default([]),
})

/** The BLOB's payload (what the JWT carries); a bare list of statements is read as entries without reports. */
const metadataDocument = z.preprocess(
  (document) =>
    Array.isArray(document)
      ? { entries: document.map((metadataStatement) => ({ metadataStatement })) }
      : document,
  z.looseObject({ entries: z.array(entry) }),
)

export class MetadataFileError extends Error {
  override name = 'MetadataFileError'
}

/**
 * Reads the BLOB as downloaded (a JWT) or its JSON payload. The JWT's signature is not checked: the
 * file is the operator's, trusted like the config file that names it.
 */
export function readAuthenticatorMetadata(file: string): AuthenticatorMetadata {
  let text: string
  try {
    text = readFileSync(file, 'utf8').trim()
  } catch (error) {
    throw new MetadataFileError(`cannot read '${file}' (${(error as NodeJS.ErrnoException).code})`)
  }
  const parsed = metadataDocument.safeParse(parseJsonOrJwt(text))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : ''
    throw new MetadataFileError(`'${file}' is not FIDO metadata${where}: ${issue?.message ?? 'unreadable'}`)
  }
  const statements: MetadataStatement[] = []
  const names = new Map<string, string>()
  const compromised = new Set<string>()
  for (const { aaguid, metadataStatement, statusReports } of parsed.data.entries) {
    const id = (aaguid ?? metadataStatement?.aaguid)?.toLowerCase()
    // U2F and UAF models have no AAGUID; WebAuthn never reports them by one.
    if (id === undefined || metadataStatement === undefined) continue
    // Checked above for the fields tapgate reads; the library reads the rest as MDS3 defines it.
    statements.push({ ...metadataStatement, aaguid: id } as MetadataStatement)
    names.set(id, metadataStatement.description)
    const latest = statusReports.at(-1)?.status
    if (latest !== undefined && untrustworthy.has(latest)) compromised.add(id)
  }
  if (names.size === 0) throw new MetadataFileError(`'${file}' describes no FIDO2 authenticator (no AAGUIDs)`)
  return { statements, names, compromised }
}

function parseJsonOrJwt(text: string): unknown {
  const jwt = /^[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*$/.exec(text)
  try {
    return JSON.parse(jwt ? Buffer.from(jwt[1] as string, 'base64url').toString('utf8') : text)
  } catch {
    throw new MetadataFileError('expected a metadata BLOB (JWT) or its JSON payload')
  }
}

/**
 * From then on a registration whose attestation names a listed model must chain to that model's
 * roots; models the file does not list are verified as before. @simplewebauthn/server keeps these
 * statements in one MetadataService per process, which is why this is a step of starting a gateway.
 */
export async function checkAttestationsAgainst(metadata: AuthenticatorMetadata): Promise<void> {
  await MetadataService.initialize({
    mdsServers: [],
    statements: metadata.statements,
    verificationMode: 'permissive',
  })
}

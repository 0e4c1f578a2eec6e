import { z } from 'zod'

/** The shapes tapgate stores for a key, and reads from a browser's ceremony, checked before use. */
const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, { message: 'expected base64url' })

/** What registration stored, and the name (a rename rewrites it). */
export const storedCredential = z.object({
  id: base64url,
  /** The COSE public key, base64url. */
  publicKey: base64url,
  transports: z.array(z.string()),
  name: z.string(),
  aaguid: z.string(),
  createdAt: z.number(),
})
/** What each sign-in changes, apart from the rest so that a rename at the same moment is kept. */
export const storedUse = z.object({
  counter: z.number().int().nonnegative(),
  lastUsedAt: z.number().nullable(),
})

export type WebAuthnCredentialRecord = z.infer<typeof storedCredential> & z.infer<typeof storedUse>

export const challengeRecord = z.object({ user: z.string(), challenge: z.string(), expiresAt: z.number() })

/*
 * The browser's JSON, untrusted. Sizes are bounded before any decoding: a credential id is at most
 * 1023 bytes (WebAuthn L3 §6.5.1 credentialIdLength), 1364 characters in base64url.
 */
const credentialId = base64url.max(1364)
const transports = z.array(z.string().max(32)).max(16)
const clientExtensionResults = z
  .object({
    appid: z.boolean().optional(),
    credProps: z.object({ rk: z.boolean().optional() }).optional(),
    hmacCreateSecret: z.boolean().optional(),
  })
  .default({})

export const registrationResponse = z
  .object({
    id: credentialId,
    rawId: credentialId,
    type: z.literal('public-key'),
    response: z.object({
      clientDataJSON: base64url.max(8192),
      attestationObject: base64url.max(65_536),
      authenticatorData: base64url.max(65_536).optional(),
      transports: transports.optional(),
      publicKeyAlgorithm: z.number().int().optional(),
      publicKey: base64url.max(8192).optional(),
    }),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    clientExtensionResults,
  })
  .refine((r) => r.id === r.rawId, { message: 'id and rawId differ' })

export const authenticationResponse = z
  .object({
    id: credentialId,
    rawId: credentialId,
    type: z.literal('public-key'),
    response: z.object({
      clientDataJSON: base64url.max(8192),
      authenticatorData: base64url.max(8192),
      signature: base64url.max(1024),
      userHandle: base64url.max(128).optional(),
    }),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    clientExtensionResults,
  })
  .refine((r) => r.id === r.rawId, { message: 'id and rawId differ' })

/** CollectedClientData (WebAuthn L3 §5.8.1), the fields checked here before the library runs. */
export const clientData = z.object({
  type: z.string(),
  challenge: z.string(),
  origin: z.string(),
  crossOrigin: z.boolean().optional(),
})

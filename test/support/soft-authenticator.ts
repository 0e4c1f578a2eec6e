import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto'
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server'
import { cose, isoCBOR } from '@simplewebauthn/server/helpers'

export interface SoftAuthenticatorOptions {
  /** The model it claims in attested credential data (WebAuthn L3 §6.5.1). */
  aaguid?: string
  /** Whether it can verify the user (PIN, fingerprint) when the RP does not discourage it. */
  canVerifyUser?: boolean
  transports?: string[]
}

/** Changes to one response, each simulating a client, a page or an authenticator that misbehaves. */
export interface Overrides {
  /** The RP ID hashed into authenticator data; the options' RP ID otherwise. */
  rpId?: string
  /** The signature counter of this response only; the authenticator's own is left alone. */
  counter?: number
  /** The challenge put into clientData; the options' challenge otherwise. */
  challenge?: string
  /** clientData.type; 'webauthn.create' or 'webauthn.get' otherwise. */
  type?: string
}

export interface RegistrationOverrides extends Overrides {
  aaguid?: string
  /** Answer although the options list this credential, as a tampered client would. */
  ignoreExcludeCredentials?: boolean
}

export interface AuthenticationOverrides extends Overrides {
  /** Present this credential id (signed with this authenticator's key) instead of its own. */
  credentialId?: string
  /** Answer although the options do not list the credential. */
  ignoreAllowCredentials?: boolean
  /** The UV flag of this response, whatever the options asked for (a client that skipped the PIN). */
  userVerified?: boolean
  /**
   * The user handle sent (null: none), instead of the one a discoverable credential holds. A plain
   * credential answers a request that lists none as a client that misbehaves would: without a handle.
   */
  userHandle?: string | null
}

// Authenticator data flags (WebAuthn L3 §6.1): user present, user verified, attested credential data.
const UP = 0x01
const UV = 0x04
const AT = 0x40

export const SOFT_AUTHENTICATOR_AAGUID = '50f7a07e-0000-4000-8000-7e57a07e0001'

/**
 * A FIDO2 authenticator in software, holding one ES256 credential, for testing the server side
 * without a browser. It plays the client too: it builds clientDataJSON (§5.8.1) and answers with the
 * JSON that @simplewebauthn/browser would send after create() (§5.1.3) and get() (§5.1.4).
 */
export class SoftAuthenticator {
  #privateKey: KeyObject
  #publicKey: KeyObject
  #credentialId: string
  #counter = 0
  /** The user handle of a discoverable credential (registered with residentKey 'required'); null otherwise. */
  #userHandle: string | null = null
  readonly #aaguid: string
  readonly #canVerifyUser: boolean
  readonly #transports: string[]

  constructor(options: SoftAuthenticatorOptions = {}) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    this.#privateKey = privateKey
    this.#publicKey = publicKey
    this.#credentialId = randomBytes(32).toString('base64url')
    this.#aaguid = options.aaguid ?? SOFT_AUTHENTICATOR_AAGUID
    this.#canVerifyUser = options.canVerifyUser ?? true
    this.#transports = options.transports ?? ['usb']
  }

  get credentialId(): string {
    return this.#credentialId
  }

  get counter(): number {
    return this.#counter
  }

  /** Whether the credential is stored on the authenticator with its user (a passkey). */
  get discoverable(): boolean {
    return this.#userHandle !== null
  }

  /** A copy with the same key and counter: what an attacker who extracted the key would hold. */
  clone(): SoftAuthenticator {
    const copy = new SoftAuthenticator({
      aaguid: this.#aaguid,
      canVerifyUser: this.#canVerifyUser,
      transports: this.#transports,
    })
    copy.#privateKey = this.#privateKey
    copy.#publicKey = this.#publicKey
    copy.#credentialId = this.#credentialId
    copy.#counter = this.#counter
    copy.#userHandle = this.#userHandle
    return copy
  }

  /** navigator.credentials.create() with attestation format 'none' (§8.7). */
  async register(
    options: PublicKeyCredentialCreationOptionsJSON,
    origin: string,
    overrides: RegistrationOverrides = {},
  ): Promise<RegistrationResponseJSON> {
    // authenticatorMakeCredential step 3 (§6.3.2): a listed credential means "already registered".
    const excluded = options.excludeCredentials?.some((c) => c.id === this.#credentialId) ?? false
    if (excluded && !overrides.ignoreExcludeCredentials) {
      throw new Error('InvalidStateError: this authenticator already holds a listed credential')
    }
    if (!options.pubKeyCredParams.some((p) => p.alg === cose.COSEALG.ES256)) {
      throw new Error('NotSupportedError: the RP does not accept ES256')
    }
    const clientDataJSON = this.#clientData(
      overrides.type ?? 'webauthn.create',
      options.challenge,
      origin,
      overrides,
    )
    const rpId = overrides.rpId ?? options.rp.id ?? new URL(origin).hostname
    // A discoverable credential keeps the user handle, to answer requests that name no credential (§6.3.2).
    if (options.authenticatorSelection?.residentKey === 'required') this.#userHandle = options.user.id
    const uv = this.#verifiesUser(options.authenticatorSelection?.userVerification)
    const authData = Buffer.concat([
      this.#authDataHead(rpId, UP | AT | (uv ? UV : 0), overrides.counter),
      attestedCredentialData(overrides.aaguid ?? this.#aaguid, this.#credentialId, this.#coseKey()),
    ])
    // §8.7 None attestation: an empty statement.
    const attestationObject = isoCBOR.encode(
      new Map<string, Uint8Array | string | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', new Uint8Array(authData)],
      ]),
    )
    return {
      id: this.#credentialId,
      rawId: this.#credentialId,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        transports: this.#transports,
        publicKeyAlgorithm: cose.COSEALG.ES256,
        publicKey: this.#publicKey.export({ type: 'spki', format: 'der' }).toString('base64url'),
      },
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: {},
    }
  }

  /** navigator.credentials.get(): an assertion signed over authData ‖ SHA-256(clientDataJSON) (§6.3.3). */
  async authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    origin: string,
    overrides: AuthenticationOverrides = {},
  ): Promise<AuthenticationResponseJSON> {
    const id = overrides.credentialId ?? this.#credentialId
    const allowed = options.allowCredentials ?? []
    if (allowed.length > 0 && !allowed.some((c) => c.id === id) && !overrides.ignoreAllowCredentials) {
      throw new Error('NotAllowedError: no listed credential on this authenticator')
    }
    const clientDataJSON = this.#clientData(
      overrides.type ?? 'webauthn.get',
      options.challenge,
      origin,
      overrides,
    )
    const rpId = overrides.rpId ?? options.rpId ?? new URL(origin).hostname
    const verified = overrides.userVerified ?? this.#verifiesUser(options.userVerification)
    const authData = this.#authDataHead(rpId, UP | (verified ? UV : 0), overrides.counter)
    const userHandle = overrides.userHandle === undefined ? this.#userHandle : overrides.userHandle
    // ES256 signatures are a DER Ecdsa-Sig-Value (WebAuthn "Signature Formats"), node's default encoding.
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), this.#privateKey)
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        ...(userHandle === null ? {} : { userHandle }),
      },
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: {},
    }
  }

  /** CollectedClientData in the key order of §5.8.1.1, which limited verifiers rely on. */
  #clientData(type: string, challenge: string, origin: string, overrides: Overrides): Buffer {
    const data = { type, challenge: overrides.challenge ?? challenge, origin, crossOrigin: false }
    return Buffer.from(JSON.stringify(data))
  }

  /** rpIdHash (32) ‖ flags (1) ‖ signCount (4, big-endian): §6.1. Each ceremony moves the counter by one. */
  #authDataHead(rpId: string, flags: number, counterOverride: number | undefined): Buffer {
    let counter = counterOverride
    if (counter === undefined) {
      this.#counter += 1
      counter = this.#counter
    }
    const head = Buffer.alloc(37)
    sha256(Buffer.from(rpId)).copy(head, 0)
    head.writeUInt8(flags, 32)
    head.writeUInt32BE(counter, 33)
    return head
  }

  #verifiesUser(requested: string | undefined): boolean {
    // 'preferred' is the default of both ceremonies (§5.4.4, §5.5).
    return this.#canVerifyUser && (requested ?? 'preferred') !== 'discouraged'
  }

  /** The public key as a COSE_Key (RFC 9052 §7, EC2 parameters RFC 9053 §7.1.1). */
  #coseKey(): Uint8Array {
    const jwk = this.#publicKey.export({ format: 'jwk' })
    if (jwk.x === undefined || jwk.y === undefined) throw new Error('P-256 public key without x or y')
    const { COSEKEYS, COSEKTY, COSEALG, COSECRV } = cose
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [COSEKEYS.kty, COSEKTY.EC2],
        [COSEKEYS.alg, COSEALG.ES256],
        [COSEKEYS.crv, COSECRV.P256],
        [COSEKEYS.x, new Uint8Array(Buffer.from(jwk.x, 'base64url'))],
        [COSEKEYS.y, new Uint8Array(Buffer.from(jwk.y, 'base64url'))],
      ]),
    )
  }
}

/** aaguid (16) ‖ credentialIdLength (2, big-endian) ‖ credentialId ‖ credentialPublicKey: §6.5.1. */
function attestedCredentialData(aaguid: string, credentialId: string, coseKey: Uint8Array): Buffer {
  const id = Buffer.from(credentialId, 'base64url')
  const length = Buffer.alloc(2)
  length.writeUInt16BE(id.length)
  return Buffer.concat([Buffer.from(aaguid.replaceAll('-', ''), 'hex'), length, id, coseKey])
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest()
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server'
import { decodeAttestationObject, isoBase64URL } from '@simplewebauthn/server/helpers'
import { z } from 'zod'
import type { Clock } from '../../deps.ts'
import { safeJson } from '../../safe-json.ts'
import type { IndexedRecord } from '../../store/indexed-records.ts'
import { keys } from '../../store/keys.ts'
import type { Store } from '../../store/store.ts'
import {
  authenticationResponse,
  challengeRecord,
  clientData,
  registrationResponse,
  type storedCredential,
  type storedUse,
  type WebAuthnCredentialRecord,
} from './records.ts'
import {
  type AuthenticationResult,
  type Failure,
  failure,
  type PasskeyClaim,
  type PasskeyResult,
  type RegistrationResult,
  type RenameResult,
} from './results.ts'
import type { WebAuthnSettings } from './settings.ts'
import { StoredSecurityKeys } from './stored-keys.ts'

const DEFAULT_NAME = 'Security key'
const MAX_NAME_LENGTH = 64

type Ceremony = 'registration' | 'authentication' | 'passkey'
const clientDataType = {
  registration: 'webauthn.create',
  authentication: 'webauthn.get',
  passkey: 'webauthn.get',
} as const

/** One key as stored: what registration wrote, and what sign-ins change. */
type StoredKey = IndexedRecord<z.infer<typeof storedCredential>, z.infer<typeof storedUse>>

/** A passkey sign-in's challenge is handed out before anyone is named: it belongs to no user. */
const noUserYet = ''

/** Authenticator data flags (WebAuthn L3 §6.1): bit 2, the authenticator verified the user. */
const userVerifiedFlag = 0x04

/** What `passwordless` registers: a credential stored on the authenticator, used only after a PIN or biometric. */
const passkeySelection = { residentKey: 'required', userVerification: 'required' } as const

/**
 * Security keys and passkeys as a second factor (WebAuthn Level 3), on @simplewebauthn/server; with
 * `passwordless`, also passkeys that sign in alone on tapgate's sign-in page (passkeyOptions,
 * claimPasskey), found by the owner each credential id was claimed for at registration.
 *
 * Every challenge is single-use: stored under the caller's scope (the session), taken (read and
 * deleted atomically) by the first verification, whatever its outcome, and expired after
 * `challengeTtlMs`. Library exceptions never escape a verification; they become a reason plus a
 * `detail` for the log. Store failures do escape (reject), so callers fail closed.
 */
export class WebAuthnFactor {
  readonly #rpIdHash: Buffer
  readonly #stored: StoredSecurityKeys
  readonly #credentials: StoredSecurityKeys['records']

  constructor(
    readonly settings: WebAuthnSettings,
    private readonly store: Store,
    private readonly clock: Clock,
  ) {
    this.#rpIdHash = sha256(settings.rpId)
    this.#stored = new StoredSecurityKeys(store)
    this.#credentials = this.#stored.records
  }

  /**
   * The user's keys, oldest first; [] when none. Rejects on an unreadable record, never reads it as
   * "no keys": a lost enrollment must not downgrade the user to "no factor enrolled" (DESIGN, State).
   */
  async credentialsOf(user: string): Promise<WebAuthnCredentialRecord[]> {
    const records = await this.#credentials.list(user)
    return records
      .map(({ details, use }) => ({ ...details, ...use }))
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
  }

  /** Options for navigator.credentials.create(); `challengeScope` is the caller's session id. */
  async registrationOptions(
    user: string,
    challengeScope: string,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const { rpId, rpName, attestation, residentKey, userVerification, challengeTtlMs, passwordless } =
      this.settings
    const credentials = await this.credentialsOf(user)
    const options = await generateRegistrationOptions({
      rpName,
      rpID: rpId,
      userName: user,
      userDisplayName: user,
      userID: await this.#userHandle(user),
      // The browser gives up before the challenge expires, so a late tap fails in the browser.
      timeout: challengeTtlMs,
      attestationType: attestation,
      // An authenticator holding one of these refuses to register again (WebAuthn L3 §5.4, §6.3.2).
      excludeCredentials: descriptorsOf(credentials),
      // A key that is to sign in without a password must hold its user and check who touches it.
      authenticatorSelection: passwordless ? passkeySelection : { residentKey, userVerification },
    })
    await this.#storeChallenge('registration', user, challengeScope, options.challenge)
    return options
  }

  async verifyRegistration(
    user: string,
    challengeScope: string,
    responseJson: unknown,
    name: string = DEFAULT_NAME,
  ): Promise<RegistrationResult> {
    const taken = await this.#takeChallenge('registration', user, challengeScope)
    if (!taken.ok) return taken
    const label = credentialName(name)
    if (label === null) return failure('invalid_name', `name longer than ${MAX_NAME_LENGTH} characters`)

    const read = this.#readResponse('registration', registrationResponse, responseJson)
    if (!read.ok) return read
    const response: RegistrationResponseJSON = read.response
    const authData = authDataOfAttestation(response.response.attestationObject)
    if (authData === null) return failure('invalid_response', 'attestationObject is not decodable')
    const rp = this.#checkRpIdHash(authData)
    if (!rp.ok) return rp

    const requireUserVerification =
      this.settings.passwordless || this.settings.userVerification === 'required'
    const verification = await verdictOf(() =>
      verifyRegistrationResponse({
        response,
        ...this.#expected(taken.challenge, requireUserVerification),
        requireUserPresence: true,
      }),
    )
    if (!verification.ok) return verification
    if (!verification.verdict.verified) {
      return failure('verification_failed', 'attestation statement not verified')
    }
    const info = verification.verdict.registrationInfo

    const allowlist = this.settings.aaguidAllowlist
    if (allowlist !== undefined && !allowlist.includes(info.aaguid)) {
      return failure('not_allowed_model', `AAGUID ${info.aaguid} is not in aaguid_allowlist`)
    }
    if (this.settings.metadata?.compromised.has(info.aaguid)) {
      return failure('compromised_model', `AAGUID ${info.aaguid} is reported compromised in metadata_file`)
    }

    const id = info.credential.id
    if (await this.#credentials.has(user, id)) {
      return failure('already_registered', 'credential already listed')
    }
    if (!(await this.store.setIfAbsent(keys.webauthnCredentialOwner(id), user))) {
      // The same owner with the key not listed is a registration that stopped half-way, or the same
      // key registered twice at once; anyone else's key stays theirs.
      const owner = await this.store.get(keys.webauthnCredentialOwner(id))
      if (owner !== user) return failure('already_registered', 'credential id belongs to another user')
    }
    const details = {
      id,
      publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
      transports: info.credential.transports ?? [],
      name: label,
      aaguid: info.aaguid,
      createdAt: this.clock.now(),
    }
    const use = { counter: info.credential.counter, lastUsedAt: null }
    await this.#credentials.add(user, id, { details, use })
    return { ok: true, credential: { ...details, ...use } }
  }

  /**
   * Options for navigator.credentials.get(), listing the user's keys; null when the user has none
   * (an empty allowCredentials would ask for any discoverable credential instead, §5.5).
   */
  async authenticationOptions(
    user: string,
    challengeScope: string,
  ): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
    const credentials = await this.credentialsOf(user)
    if (credentials.length === 0) return null
    const options = await generateAuthenticationOptions({
      rpID: this.settings.rpId,
      allowCredentials: descriptorsOf(credentials),
      userVerification: this.settings.userVerification,
      timeout: this.settings.challengeTtlMs,
    })
    await this.#storeChallenge('authentication', user, challengeScope, options.challenge)
    return options
  }

  async verifyAuthentication(
    user: string,
    challengeScope: string,
    responseJson: unknown,
  ): Promise<AuthenticationResult> {
    const taken = await this.#takeChallenge('authentication', user, challengeScope)
    if (!taken.ok) return taken

    const read = this.#readAssertion('authentication', responseJson)
    if (!read.ok) return read
    const { response } = read

    const stored = await this.#credentials.get(user, response.id)
    if (stored === null) {
      const owner = await this.store.get(keys.webauthnCredentialOwner(response.id))
      const whose = owner === null ? 'not registered' : 'registered to another user'
      return failure('unknown_credential', `credential ${response.id} is ${whose}`)
    }
    const requireUserVerification = this.settings.userVerification === 'required'
    return this.#checkAssertion(user, taken.challenge, response, stored, requireUserVerification)
  }

  /**
   * Options for a passkey sign-in (first_factor.mode: local, `passwordless`), asked before anyone is
   * named: an empty allowCredentials, so the authenticator offers its discoverable credentials for
   * this RP (§5.5), and user verification required, since the passkey stands for the password too.
   * `challengeScope` is the sign-in page's form id: no session exists yet.
   */
  async passkeyOptions(challengeScope: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const options = await generateAuthenticationOptions({
      rpID: this.settings.rpId,
      allowCredentials: [],
      userVerification: 'required',
      timeout: this.settings.challengeTtlMs,
    })
    await this.#storeChallenge('passkey', noUserYet, challengeScope, options.challenge)
    return options
  }

  /**
   * The first half of a passkey sign-in. The challenge is taken at once (single-use, whatever
   * follows); the assertion names its user through the owner claimed for its credential id at
   * registration. Nothing is verified yet: the caller checks that this user may sign in (users file,
   * lockout) and then calls `verify`, whose refusals are the user's failed attempts.
   */
  async claimPasskey(challengeScope: string, responseJson: unknown): Promise<PasskeyClaim> {
    const taken = await this.#takeChallenge('passkey', noUserYet, challengeScope)
    const parsed = authenticationResponse.safeParse(responseJson)
    if (!parsed.success) return failure('invalid_response', z.prettifyError(parsed.error))
    const { id } = parsed.data
    const owner = await this.store.get(keys.webauthnCredentialOwner(id))
    // An owner without the key listed is a registration that stopped half-way or a removal under way.
    const stored = owner === null ? null : await this.#credentials.get(owner, id)
    if (owner === null || stored === null) {
      return failure('unknown_credential', `credential ${id} is not registered`)
    }
    return {
      ok: true,
      user: owner,
      verify: async () => (taken.ok ? this.#verifyPasskey(owner, taken.challenge, responseJson) : taken),
    }
  }

  async #verifyPasskey(user: string, challenge: string, responseJson: unknown): Promise<PasskeyResult> {
    const read = this.#readAssertion('passkey', responseJson)
    if (!read.ok) return read
    const { response, authData } = read
    // The library checks this flag too; checked first so that the log and the page can say so.
    if (((authData[32] ?? 0) & userVerifiedFlag) === 0) {
      return failure('user_not_verified', 'the authenticator did not verify the user (UV flag clear)')
    }
    // Only a discoverable credential answers a request that names no credential, with the user handle
    // it holds (§6.3.3); a client that sends none, or another user's, did not use one of this user's passkeys.
    const handle = await this.store.get(keys.webauthnUserHandle(user))
    const sent = response.response.userHandle
    if (handle === null || sent === undefined || !sameBytes(sent, handle)) {
      const why = sent === undefined ? 'no user handle' : "a user handle that is not the owner's"
      return failure('not_discoverable', `credential ${response.id} answered with ${why}`)
    }
    const stored = await this.#credentials.get(user, response.id)
    if (stored === null) {
      return failure('unknown_credential', `credential ${response.id} was removed during the sign-in`)
    }
    return this.#checkAssertion(user, challenge, response, stored, true)
  }

  /**
   * The signature (by the library), then the counter, then the new counter stored: the steps both a
   * second-factor tap and a passkey sign-in end with.
   */
  async #checkAssertion(
    user: string,
    challenge: string,
    response: AuthenticationResponseJSON,
    stored: StoredKey,
    requireUserVerification: boolean,
  ): Promise<AuthenticationResult> {
    const { id, publicKey } = stored.details
    const verification = await verdictOf(() =>
      verifyAuthenticationResponse({
        response,
        ...this.#expected(challenge, requireUserVerification),
        // Counter 0 turns the library's counter check off; ours below runs only once the signature
        // is verified, so a forged assertion cannot raise a cloned-key alarm.
        credential: { id, publicKey: isoBase64URL.toBuffer(publicKey), counter: 0 },
      }),
    )
    if (!verification.ok) return verification
    if (!verification.verdict.verified) return failure('verification_failed', 'signature does not verify')

    // §6.1.1: when either count is non-zero, the new one must exceed the stored one; otherwise two
    // copies of the key may exist.
    const counter = verification.verdict.authenticationInfo.newCounter
    const storedCounter = stored.use.counter
    if ((counter > 0 || storedCounter > 0) && counter <= storedCounter) {
      return {
        ...failure(
          'counter_regression',
          `credential ${id}: signature counter ${counter} does not exceed the stored ${storedCounter}`,
        ),
        warning: 'security key counter went back: possible cloned key',
      }
    }
    // Two sign-ins with one key at the same moment: the last write wins, so the stored counter may be
    // the lower of the two. Each exceeded the counter it read, and the next must exceed the one stored.
    const use = { counter, lastUsedAt: this.clock.now() }
    if (!(await this.#credentials.update(user, id, 'use', use))) {
      return failure('unknown_credential', `credential ${id} was removed during the sign-in`)
    }
    return { ok: true, credentialId: id }
  }

  async rename(user: string, credentialId: string, name: string): Promise<RenameResult> {
    const label = credentialName(name)
    if (label === null) return failure('invalid_name', `name longer than ${MAX_NAME_LENGTH} characters`)
    const stored = await this.#credentials.get(user, credentialId)
    const renamed =
      stored !== null &&
      (await this.#credentials.update(user, credentialId, 'details', { ...stored.details, name: label }))
    if (!renamed) return failure('unknown_credential', `credential ${credentialId} is not the user's`)
    return { ok: true }
  }

  /** True when the key was the user's and is gone. Whether it may go (last factor) is the caller's call. */
  remove(user: string, credentialId: string): Promise<boolean> {
    return this.#stored.remove(user, credentialId)
  }

  /**
   * A random user handle, kept per user: it carries no personal data (§14.6.1), and a stable one
   * lets an authenticator replace a discoverable credential instead of piling up copies (§6.3.2).
   */
  async #userHandle(user: string): Promise<Uint8Array<ArrayBuffer>> {
    const key = keys.webauthnUserHandle(user)
    await this.store.setIfAbsent(key, randomBytes(32).toString('base64url'))
    const handle = await this.store.get(key)
    if (handle === null) throw new Error(`WebAuthn user handle of '${user}' vanished`)
    return new Uint8Array(Buffer.from(handle, 'base64url'))
  }

  async #storeChallenge(ceremony: Ceremony, user: string, scope: string, challenge: string): Promise<void> {
    const ttl = this.settings.challengeTtlMs
    const record = { user, challenge, expiresAt: this.clock.now() + ttl }
    await this.store.set(keys.webauthnChallenge(ceremony, scopeHash(scope)), JSON.stringify(record), ttl)
  }

  /** The challenge, deleted in the same step; no_challenge when absent, expired, unreadable or another user's. */
  async #takeChallenge(
    ceremony: Ceremony,
    user: string,
    scope: string,
  ): Promise<{ ok: true; challenge: string } | Failure<'no_challenge'>> {
    const text = await this.store.take(keys.webauthnChallenge(ceremony, scopeHash(scope)))
    const parsed = text === null ? null : challengeRecord.safeParse(safeJson(text))
    const live =
      parsed?.success === true && parsed.data.user === user && this.clock.now() < parsed.data.expiresAt
    if (!live) return failure('no_challenge', `no live ${ceremony} challenge for this scope`)
    return { ok: true, challenge: parsed.data.challenge }
  }

  /** What both ceremonies' library verification checks besides the response itself. */
  #expected(challenge: string, requireUserVerification: boolean) {
    return {
      expectedChallenge: challenge,
      expectedOrigin: [...this.settings.origins],
      expectedRPID: this.settings.rpId,
      requireUserVerification,
    }
  }

  /** The browser's JSON parsed, then its clientData checked against the ceremony. */
  #readResponse<Response extends { response: { clientDataJSON: string } }>(
    ceremony: Ceremony,
    shape: z.ZodType<Response>,
    json: unknown,
  ): { ok: true; response: Response } | Failure<'invalid_response' | 'wrong_origin'> {
    const parsed = shape.safeParse(json)
    if (!parsed.success) return failure('invalid_response', z.prettifyError(parsed.error))
    const client = this.#checkClientData(parsed.data.response.clientDataJSON, clientDataType[ceremony])
    return client.ok ? { ok: true, response: parsed.data } : client
  }

  /** An assertion whose client data and RP ID hash are this site's, with its authenticator data. */
  #readAssertion(
    ceremony: 'authentication' | 'passkey',
    json: unknown,
  ):
    | { ok: true; response: AuthenticationResponseJSON; authData: Buffer }
    | Failure<'invalid_response' | 'wrong_origin' | 'wrong_rp'> {
    const read = this.#readResponse(ceremony, authenticationResponse, json)
    if (!read.ok) return read
    const authData = Buffer.from(read.response.response.authenticatorData, 'base64url')
    // rpIdHash (32) + flags (1) + signCount (4): the fixed part of authenticator data (§6.1).
    if (authData.length < 37) return failure('invalid_response', 'authenticatorData shorter than 37 bytes')
    const rp = this.#checkRpIdHash(authData)
    return rp.ok ? { ok: true, response: read.response, authData } : rp
  }

  /** Type and origin first, so the two commonest misconfigurations get their own reason. */
  #checkClientData(
    encoded: string,
    type: (typeof clientDataType)[Ceremony],
  ): { ok: true } | Failure<'invalid_response' | 'wrong_origin'> {
    const parsed = clientData.safeParse(safeJson(Buffer.from(encoded, 'base64url').toString('utf8')))
    if (!parsed.success) return failure('invalid_response', 'clientDataJSON is not CollectedClientData')
    const data = parsed.data
    if (data.type !== type)
      return failure('invalid_response', `clientData type '${data.type}', expected '${type}'`)
    // tapgate's pages are never framed; a ceremony from inside a frame is someone else's page.
    if (data.crossOrigin === true)
      return failure('wrong_origin', `cross-origin ceremony from '${data.origin}'`)
    if (!this.settings.origins.includes(data.origin)) {
      return failure(
        'wrong_origin',
        `origin '${data.origin}', expected one of ${this.settings.origins.join(', ')}`,
      )
    }
    return { ok: true }
  }

  /** The first 32 bytes of authenticator data are SHA-256 of the RP ID the authenticator used (§6.1). */
  #checkRpIdHash(authData: Uint8Array): { ok: true } | Failure<'wrong_rp'> {
    const rpIdHash = Buffer.from(authData.subarray(0, 32))
    if (!rpIdHash.equals(this.#rpIdHash)) {
      return failure('wrong_rp', `rpIdHash is not SHA-256('${this.settings.rpId}')`)
    }
    return { ok: true }
  }
}

/** Trimmed, inner whitespace and control characters collapsed; the default when empty; null when too long. */
function credentialName(input: string): string | null {
  const name = input.replace(/[\s\p{Cc}]+/gu, ' ').trim()
  if (name === '') return DEFAULT_NAME
  return [...name].length <= MAX_NAME_LENGTH ? name : null
}

/** The keys a ceremony's options list (excludeCredentials, allowCredentials). */
function descriptorsOf(credentials: readonly WebAuthnCredentialRecord[]) {
  return credentials.map(({ id, transports }) => ({ id, transports }))
}

/** The library's verdict; an exception it throws becomes verification_failed, with its message for the log. */
async function verdictOf<Verdict>(
  verify: () => Promise<Verdict>,
): Promise<{ ok: true; verdict: Verdict } | Failure<'verification_failed'>> {
  try {
    return { ok: true, verdict: await verify() }
  } catch (error) {
    return failure('verification_failed', messageOf(error))
  }
}

function authDataOfAttestation(attestationObject: string): Uint8Array | null {
  try {
    const decoded = decodeAttestationObject(new Uint8Array(Buffer.from(attestationObject, 'base64url')))
    const authData: unknown = decoded.get('authData')
    return authData instanceof Uint8Array && authData.length >= 37 ? authData : null
  } catch {
    return null
  }
}

/** Two base64url strings' bytes, compared in constant time. */
function sameBytes(a: string, b: string): boolean {
  const [left, right] = [Buffer.from(a, 'base64url'), Buffer.from(b, 'base64url')]
  return left.length === right.length && timingSafeEqual(left, right)
}

/** The key never holds the scope itself: a session token in a store dump would be a usable cookie. */
function scopeHash(scope: string): string {
  return sha256(scope).toString('base64url')
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

import Database from 'better-sqlite3'
import { beforeEach, describe, expect, it } from 'vitest'
import type { AuthenticationResult } from '../../../gateway/factors/webauthn/results.ts'
import { type WebAuthnSettings, webAuthnSettings } from '../../../gateway/factors/webauthn/settings.ts'
import { StoredSecurityKeys } from '../../../gateway/factors/webauthn/stored-keys.ts'
import { WebAuthnFactor } from '../../../gateway/factors/webauthn/webauthn-factor.ts'
import { parseConfig } from '../../../gateway/load-config.ts'
import { keys } from '../../../gateway/store/keys.ts'
import type { SqliteStore } from '../../../gateway/store/sqlite-store.ts'
import { FixedClock } from '../../support/clock.ts'
import {
  type AuthenticationOverrides,
  type RegistrationOverrides,
  SOFT_AUTHENTICATOR_AAGUID,
  SoftAuthenticator,
} from '../../support/soft-authenticator.ts'
import { tempSqliteStore } from '../../support/temp-sqlite-store.ts'

const origin = 'https://panel.example.com'
const minimal = {
  public_url: origin,
  upstream: { url: 'http://127.0.0.1:2082' },
  encryption_key: 'k'.repeat(40),
  first_factor: { panel_cookies: ['session'] },
}

function settingsFrom(webauthn: Record<string, unknown> = {}): WebAuthnSettings {
  const result = parseConfig({ ...minimal, factors: { webauthn } }, { baseDir: '/etc/tapgate', env: {} })
  if (!result.ok) throw new Error(result.problems.join('\n'))
  return webAuthnSettings(result.config)
}

function problemsOf(webauthn: Record<string, unknown>, publicUrl = origin): string[] {
  const raw = { ...minimal, public_url: publicUrl, factors: { webauthn } }
  const result = parseConfig(raw, { baseDir: '/etc/tapgate', env: {} })
  return result.ok ? [] : result.problems
}

let dbPath: string
let clock: FixedClock
let store: SqliteStore
let factor: WebAuthnFactor

function useSettings(settings: WebAuthnSettings): void {
  factor = new WebAuthnFactor(settings, store, clock)
}

beforeEach(() => {
  clock = new FixedClock()
  const sqlite = tempSqliteStore(clock)
  store = sqlite.store
  dbPath = sqlite.path
  useSettings(settingsFrom())
})

/** One registration ceremony; the scope stands for the caller's session id. */
async function register(
  user: string,
  key: SoftAuthenticator,
  {
    name,
    from = origin,
    scope = `session-of-${user}`,
    ...overrides
  }: RegistrationOverrides & {
    name?: string
    from?: string
    scope?: string
  } = {},
) {
  const options = await factor.registrationOptions(user, scope)
  return factor.verifyRegistration(user, scope, await key.register(options, from, overrides), name)
}

async function enroll(user: string, key = new SoftAuthenticator()): Promise<SoftAuthenticator> {
  const result = await register(user, key, { name: 'Blue YubiKey' })
  expect(result).toMatchObject({ ok: true })
  return key
}

/** One authentication ceremony, as on the 2fa page. */
async function signIn(
  user: string,
  key: SoftAuthenticator,
  {
    from = origin,
    scope = `session-of-${user}`,
    ...overrides
  }: AuthenticationOverrides & {
    from?: string
    scope?: string
  } = {},
): Promise<AuthenticationResult> {
  const options = await factor.authenticationOptions(user, scope)
  if (options === null) throw new Error(`${user} has no keys`)
  return factor.verifyAuthentication(user, scope, await key.authenticate(options, from, overrides))
}

describe('settings from the config', () => {
  it('derives the RP ID and the origin from public_url, with the documented defaults', () => {
    expect(settingsFrom()).toEqual({
      rpId: 'panel.example.com',
      rpName: 'tapgate',
      origins: ['https://panel.example.com'],
      attestation: 'none',
      userVerification: 'discouraged',
      residentKey: 'discouraged',
      aaguidAllowlist: undefined,
      challengeTtlMs: 120_000,
      passwordless: false,
    })
  })

  it('takes a parent domain as RP ID, origins reduced to scheme://host:port, and AAGUIDs lower-cased', () => {
    const settings = settingsFrom({
      rp_id: 'Example.COM',
      origins: ['https://panel.example.com/', 'https://admin.example.com:8443'],
      attestation: 'direct',
      aaguid_allowlist: ['CB69481E-8FF7-4039-93EC-0A2729A154A8'],
      challenge_ttl: '90s',
    })
    expect(settings).toMatchObject({
      rpId: 'example.com',
      origins: ['https://panel.example.com', 'https://admin.example.com:8443'],
      aaguidAllowlist: ['cb69481e-8ff7-4039-93ec-0a2729a154a8'],
      challengeTtlMs: 90_000,
    })
  })

  it('refuses an RP ID the origins cannot use, and an AAGUID allowlist without attestation', () => {
    expect(problemsOf({ rp_id: 'other.com' })).toEqual([
      "factors.webauthn.rp_id: expected an origin on other.com or a subdomain of it, got 'https://panel.example.com'",
    ])
    expect(problemsOf({ origins: ['https://panel.example.com', 'https://evil-example.com'] })).toEqual([
      "factors.webauthn.origins.1: expected an origin on panel.example.com or a subdomain of it, got 'https://evil-example.com'",
    ])
    expect(
      problemsOf({
        rp_id: 'https://panel.example.com',
        origins: ['nope', 'https://panel.example.com/login'],
        attestation: 'direct',
        aaguid_allowlist: ['nope'],
      }),
    ).toEqual([
      "factors.webauthn.rp_id: expected a domain such as 'panel.example.com', got 'https://panel.example.com'",
      "factors.webauthn.origins.0: expected an http or https origin such as https://panel.example.com, got 'nope'",
      "factors.webauthn.origins.1: expected an origin without a path, such as https://panel.example.com, got 'https://panel.example.com/login'",
      "factors.webauthn.aaguid_allowlist.0: expected an AAGUID such as 'cb69481e-8ff7-4039-93ec-0a2729a154a8', got 'nope'",
    ])
    expect(problemsOf({ aaguid_allowlist: [SOFT_AUTHENTICATOR_AAGUID] })).toEqual([
      "factors.webauthn.aaguid_allowlist: expected attestation: 'direct' with an AAGUID allowlist",
    ])
  })

  it('refuses passwordless behind the panel’s own login, and with WebAuthn off', () => {
    expect(problemsOf({ passwordless: true })).toEqual([
      "factors.webauthn.passwordless: expected first_factor.mode: local with passwordless (passkeys sign in on tapgate's own sign-in page)",
    ])
    expect(problemsOf({ passwordless: true, enabled: false })).toEqual([
      "factors.webauthn.passwordless: expected first_factor.mode: local with passwordless (passkeys sign in on tapgate's own sign-in page)",
      'factors.webauthn.passwordless: expected factors.webauthn.enabled: true with passwordless',
    ])
  })
})

describe('registration', () => {
  it('registers a key with its name, model and transports, then signs in with it', async () => {
    const options = await factor.registrationOptions('alice', 'session-1')
    expect(options).toMatchObject({
      rp: { id: 'panel.example.com', name: 'tapgate' },
      user: { name: 'alice', displayName: 'alice' },
      attestation: 'none',
      timeout: 120_000,
      excludeCredentials: [],
      authenticatorSelection: { residentKey: 'discouraged', userVerification: 'discouraged' },
    })
    const key = new SoftAuthenticator()
    const result = await factor.verifyRegistration(
      'alice',
      'session-1',
      await key.register(options, origin),
      '  Blue   YubiKey ',
    )
    expect(result).toEqual({
      ok: true,
      credential: {
        id: key.credentialId,
        publicKey: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
        counter: 1,
        transports: ['usb'],
        name: 'Blue YubiKey',
        aaguid: SOFT_AUTHENTICATOR_AAGUID,
        createdAt: clock.now(),
        lastUsedAt: null,
      },
    })
    expect(await factor.credentialsOf('alice')).toEqual([result.ok && result.credential])
    expect(await signIn('alice', key)).toEqual({ ok: true, credentialId: key.credentialId })
  })

  it('keeps one random user handle per user, so a passkey is replaced rather than duplicated', async () => {
    const first = await factor.registrationOptions('alice', 's1')
    const second = await factor.registrationOptions('alice', 's2')
    const bobs = await factor.registrationOptions('bob', 's3')
    expect(first.user.id).toBe(second.user.id)
    expect(first.user.id).not.toBe(bobs.user.id)
    expect(Buffer.from(first.user.id, 'base64url')).toHaveLength(32)
  })

  it('lists the keys already registered in excludeCredentials, so the key refuses a second time', async () => {
    const key = await enroll('alice')
    const options = await factor.registrationOptions('alice', 'session-2')
    expect(options.excludeCredentials).toEqual([
      { id: key.credentialId, transports: ['usb'], type: 'public-key' },
    ])
    await expect(key.register(options, origin)).rejects.toThrow('InvalidStateError')
  })

  it('refuses the same credential twice, even from a client that ignores excludeCredentials', async () => {
    const key = await enroll('alice')
    expect(await register('alice', key, { ignoreExcludeCredentials: true })).toMatchObject({
      ok: false,
      reason: 'already_registered',
    })
    expect(await factor.credentialsOf('alice')).toHaveLength(1)
  })

  it("refuses a credential already registered to another user; it stays the other user's", async () => {
    const key = await enroll('alice')
    expect(await register('bob', key)).toEqual({
      ok: false,
      reason: 'already_registered',
      detail: 'credential id belongs to another user',
    })
    expect(await factor.credentialsOf('bob')).toEqual([])
    expect(await store.get(keys.webauthnCredentialOwner(key.credentialId))).toBe('alice')
  })

  it('accepts a challenge once: a replayed response finds none', async () => {
    const options = await factor.registrationOptions('alice', 'session-1')
    const response = await new SoftAuthenticator().register(options, origin)
    expect(await factor.verifyRegistration('alice', 'session-1', response)).toMatchObject({ ok: true })
    expect(await factor.verifyRegistration('alice', 'session-1', response)).toMatchObject({
      ok: false,
      reason: 'no_challenge',
    })
  })

  it('deletes the challenge on a failed attempt too, so a corrected retry needs new options', async () => {
    const options = await factor.registrationOptions('alice', 'session-1')
    const key = new SoftAuthenticator()
    const wrong = await key.register(options, 'https://evil.example.net')
    expect(await factor.verifyRegistration('alice', 'session-1', wrong)).toMatchObject({
      reason: 'wrong_origin',
    })
    const right = await key.register(options, origin)
    expect(await factor.verifyRegistration('alice', 'session-1', right)).toMatchObject({
      reason: 'no_challenge',
    })
  })

  it('lets a challenge live for challenge_ttl and not a millisecond longer', async () => {
    const options = await factor.registrationOptions('alice', 'session-1')
    const response = await new SoftAuthenticator().register(options, origin)
    clock.advance(120_000)
    expect(await factor.verifyRegistration('alice', 'session-1', response)).toMatchObject({
      reason: 'no_challenge',
    })

    const again = await factor.registrationOptions('alice', 'session-1')
    const fresh = await new SoftAuthenticator().register(again, origin)
    clock.advance(119_999)
    expect(await factor.verifyRegistration('alice', 'session-1', fresh)).toMatchObject({ ok: true })
  })

  it('binds the challenge to its scope and its user', async () => {
    const options = await factor.registrationOptions('alice', 'session-1')
    const response = await new SoftAuthenticator().register(options, origin)
    expect(await factor.verifyRegistration('alice', 'session-2', response)).toMatchObject({
      reason: 'no_challenge',
    })
    expect(await factor.verifyRegistration('bob', 'session-1', response)).toMatchObject({
      reason: 'no_challenge',
    })
    // The mismatched user took it: the challenge is gone for alice as well.
    expect(await factor.verifyRegistration('alice', 'session-1', response)).toMatchObject({
      reason: 'no_challenge',
    })
  })

  it('keeps no session id in the store: the challenge key holds its SHA-256', async () => {
    const scope = 'raw-session-token-0123456789'
    await factor.registrationOptions('alice', scope)
    const db = new Database(dbPath, { readonly: true })
    try {
      const stored = db.prepare<[], string>('SELECT key || value FROM entries').pluck().all().join('\n')
      expect(stored).toContain('webauthn-challenge:registration:')
      expect(stored).not.toContain(scope)
    } finally {
      db.close()
    }
  })

  it.each([
    ['another origin', 'https://evil.example.net'],
    ['a look-alike origin', 'https://panel.example.com.evil.example.net'],
    ['plain http', 'http://panel.example.com'],
    ['another port', 'https://panel.example.com:8443'],
  ])('refuses a response from %s', async (_, from) => {
    expect(await register('alice', new SoftAuthenticator(), { from })).toMatchObject({
      ok: false,
      reason: 'wrong_origin',
    })
    expect(await factor.credentialsOf('alice')).toEqual([])
  })

  it('refuses a credential scoped to another RP ID', async () => {
    expect(await register('alice', new SoftAuthenticator(), { rpId: 'evil.example.net' })).toMatchObject({
      ok: false,
      reason: 'wrong_rp',
    })
  })

  it('refuses a response to another challenge', async () => {
    expect(
      await register('alice', new SoftAuthenticator(), { challenge: 'c3RhbGUtY2hhbGxlbmdl' }),
    ).toMatchObject({
      ok: false,
      reason: 'verification_failed',
      detail: expect.stringContaining('challenge'),
    })
  })

  it('lets only the listed models register when aaguid_allowlist is set', async () => {
    const yubikey5 = 'cb69481e-8ff7-4039-93ec-0a2729a154a8'
    useSettings(settingsFrom({ attestation: 'direct', aaguid_allowlist: [yubikey5.toUpperCase()] }))
    expect(await register('alice', new SoftAuthenticator())).toEqual({
      ok: false,
      reason: 'not_allowed_model',
      detail: `AAGUID ${SOFT_AUTHENTICATOR_AAGUID} is not in aaguid_allowlist`,
    })
    expect(await register('alice', new SoftAuthenticator({ aaguid: yubikey5 }))).toMatchObject({
      ok: true,
      credential: { aaguid: yubikey5 },
    })
  })

  it('asks for user verification when configured, and refuses a key that cannot give it', async () => {
    useSettings(settingsFrom({ user_verification: 'required' }))
    const options = await factor.registrationOptions('alice', 's')
    expect(options.authenticatorSelection?.userVerification).toBe('required')
    expect(await register('alice', new SoftAuthenticator({ canVerifyUser: false }))).toMatchObject({
      reason: 'verification_failed',
      detail: expect.stringContaining('User verification'),
    })
    expect(await register('alice', new SoftAuthenticator({ canVerifyUser: true }))).toMatchObject({
      ok: true,
    })
  })

  it('names a key: trimmed, "Security key" when blank, at most 64 characters', async () => {
    expect(await register('alice', new SoftAuthenticator(), { name: ' \t ' })).toMatchObject({
      credential: { name: 'Security key' },
    })
    expect(await register('alice', new SoftAuthenticator())).toMatchObject({
      credential: { name: 'Security key' },
    })
    const sixtyFourEmoji = '🔑'.repeat(64)
    expect(await register('alice', new SoftAuthenticator(), { name: sixtyFourEmoji })).toMatchObject({
      credential: { name: sixtyFourEmoji },
    })
    expect(await register('alice', new SoftAuthenticator(), { name: 'x'.repeat(65) })).toMatchObject({
      ok: false,
      reason: 'invalid_name',
    })
    expect(await factor.credentialsOf('alice')).toHaveLength(3)
  })

  describe('answers malformed input with invalid_response, never a throw', () => {
    const cases: [string, (good: Record<string, unknown>) => unknown][] = [
      ['null', () => null],
      ['a string', () => 'credential'],
      ['an empty object', () => ({})],
      ['no response', ({ response: _, ...rest }) => rest],
      ['id differing from rawId', (good) => ({ ...good, rawId: 'AAAA' })],
      ['a non-base64url id', (good) => ({ ...good, id: 'a+b/', rawId: 'a+b/' })],
      ['an oversized id', (good) => ({ ...good, id: 'A'.repeat(1365), rawId: 'A'.repeat(1365) })],
      ['another type', (good) => ({ ...good, type: 'password' })],
      ['clientDataJSON that is not JSON', (good) => withResponse(good, { clientDataJSON: b64('not json') })],
      [
        'clientDataJSON of a sign-in',
        (good) => withResponse(good, { clientDataJSON: clientData('webauthn.get') }),
      ],
      [
        'clientDataJSON without origin',
        (good) => withResponse(good, { clientDataJSON: b64('{"type":"x"}') }),
      ],
      [
        'an attestationObject that is not CBOR',
        (good) => withResponse(good, { attestationObject: b64('x') }),
      ],
      ['transports that are not strings', (good) => withResponse(good, { transports: [1] })],
    ]
    it.each(cases)('%s', async (_, spoil) => {
      const options = await factor.registrationOptions('alice', 's')
      const good = { ...(await new SoftAuthenticator().register(options, origin)) }
      const result = await factor.verifyRegistration('alice', 's', spoil(good))
      expect(result).toMatchObject({ ok: false, reason: 'invalid_response', detail: expect.any(String) })
      expect(await factor.credentialsOf('alice')).toEqual([])
    })
  })
})

describe('authentication', () => {
  it('lists the user’s keys with their transports and asks for the configured user verification', async () => {
    const first = await enroll('alice')
    // Listed oldest first: the second key is added a moment later.
    clock.advance(1_000)
    const second = await enroll('alice', new SoftAuthenticator({ transports: ['nfc', 'usb'] }))
    await enroll('bob')
    const options = await factor.authenticationOptions('alice', 's')
    expect(options).toMatchObject({
      rpId: 'panel.example.com',
      userVerification: 'discouraged',
      timeout: 120_000,
      allowCredentials: [
        { id: first.credentialId, transports: ['usb'], type: 'public-key' },
        { id: second.credentialId, transports: ['nfc', 'usb'], type: 'public-key' },
      ],
    })
  })

  it('offers no ceremony to a user without keys', async () => {
    expect(await factor.authenticationOptions('alice', 's')).toBeNull()
  })

  it('stores the growing counter and the time of last use', async () => {
    const key = await enroll('alice')
    clock.advance(60_000)
    expect(await signIn('alice', key)).toEqual({ ok: true, credentialId: key.credentialId })
    expect(await factor.credentialsOf('alice')).toMatchObject([{ counter: 2, lastUsedAt: clock.now() }])
    clock.advance(60_000)
    expect(await signIn('alice', key)).toMatchObject({ ok: true })
    expect(await factor.credentialsOf('alice')).toMatchObject([{ counter: 3, lastUsedAt: clock.now() }])
  })

  it('accepts a key that keeps its counter at zero (no counter implemented, §6.1.1)', async () => {
    const key = new SoftAuthenticator()
    expect(await register('alice', key, { counter: 0 })).toMatchObject({ credential: { counter: 0 } })
    expect(await signIn('alice', key, { counter: 0 })).toMatchObject({ ok: true })
    expect(await signIn('alice', key, { counter: 0 })).toMatchObject({ ok: true })
  })

  it('refuses a cloned key whose counter falls behind, and flags it', async () => {
    const key = await enroll('alice')
    const copy = key.clone()
    expect(await signIn('alice', key)).toMatchObject({ ok: true })
    expect(await signIn('alice', key)).toMatchObject({ ok: true })
    expect(await signIn('alice', copy)).toEqual({
      ok: false,
      reason: 'counter_regression',
      detail: `credential ${key.credentialId}: signature counter 2 does not exceed the stored 3`,
      warning: 'security key counter went back: possible cloned key',
    })
    expect(await factor.credentialsOf('alice')).toMatchObject([{ counter: 3 }])
  })

  it('refuses a counter equal to the stored one', async () => {
    const key = await enroll('alice')
    expect(await signIn('alice', key, { counter: 1 })).toMatchObject({ reason: 'counter_regression' })
  })

  it('raises no cloned-key alarm for an assertion it cannot verify', async () => {
    const key = await enroll('alice')
    await signIn('alice', key)
    const forger = new SoftAuthenticator()
    expect(await signIn('alice', forger, { credentialId: key.credentialId, counter: 1 })).toMatchObject({
      ok: false,
      reason: 'verification_failed',
      detail: 'signature does not verify',
    })
  })

  it('accepts a challenge once, only for its scope, and only until challenge_ttl', async () => {
    const key = await enroll('alice')
    const options = await factor.authenticationOptions('alice', 's1')
    if (options === null) throw new Error('no options')
    const response = await key.authenticate(options, origin)
    expect(await factor.verifyAuthentication('alice', 's2', response)).toMatchObject({
      reason: 'no_challenge',
    })
    expect(await factor.verifyAuthentication('alice', 's1', response)).toMatchObject({ ok: true })
    expect(await factor.verifyAuthentication('alice', 's1', response)).toMatchObject({
      reason: 'no_challenge',
    })

    const later = await factor.authenticationOptions('alice', 's1')
    if (later === null) throw new Error('no options')
    const late = await key.authenticate(later, origin)
    clock.advance(120_000)
    expect(await factor.verifyAuthentication('alice', 's1', late)).toMatchObject({ reason: 'no_challenge' })
  })

  it('never lets a registration challenge serve a sign-in', async () => {
    const key = await enroll('alice')
    const creation = await factor.registrationOptions('alice', 's')
    const forged = await key.authenticate(
      { challenge: creation.challenge, rpId: 'panel.example.com', allowCredentials: [] },
      origin,
    )
    expect(await factor.verifyAuthentication('alice', 's', forged)).toMatchObject({ reason: 'no_challenge' })
  })

  it('refuses another origin and another RP ID', async () => {
    const key = await enroll('alice')
    expect(await signIn('alice', key, { from: 'https://evil.example.net' })).toMatchObject({
      reason: 'wrong_origin',
    })
    expect(await signIn('alice', key, { rpId: 'evil.example.net' })).toMatchObject({ reason: 'wrong_rp' })
    expect(await factor.credentialsOf('alice')).toMatchObject([{ counter: 1, lastUsedAt: null }])
  })

  it('refuses a credential nobody registered', async () => {
    await enroll('alice')
    const stranger = new SoftAuthenticator()
    expect(await signIn('alice', stranger, { ignoreAllowCredentials: true })).toEqual({
      ok: false,
      reason: 'unknown_credential',
      detail: `credential ${stranger.credentialId} is not registered`,
    })
  })

  it("refuses another user's credential, validly signed", async () => {
    await enroll('alice')
    const bobsKey = await enroll('bob')
    expect(await signIn('alice', bobsKey, { ignoreAllowCredentials: true })).toEqual({
      ok: false,
      reason: 'unknown_credential',
      detail: `credential ${bobsKey.credentialId} is registered to another user`,
    })
  })

  it('refuses user verification that was required and not given', async () => {
    useSettings(settingsFrom({ user_verification: 'required' }))
    const key = await enroll('alice', new SoftAuthenticator({ canVerifyUser: true }))
    const options = await factor.authenticationOptions('alice', 's')
    if (options === null) throw new Error('no options')
    expect(options.userVerification).toBe('required')
    const response = await key.authenticate({ ...options, userVerification: 'discouraged' }, origin)
    expect(await factor.verifyAuthentication('alice', 's', response)).toMatchObject({
      reason: 'verification_failed',
    })
  })

  describe('answers malformed input with invalid_response, never a throw', () => {
    const cases: [string, (good: Record<string, unknown>) => unknown][] = [
      ['undefined', () => undefined],
      ['an array', () => []],
      ['no signature', (good) => withResponse(good, { signature: undefined })],
      ['a numeric signature', (good) => withResponse(good, { signature: 7 })],
      ['short authenticatorData', (good) => withResponse(good, { authenticatorData: b64('short') })],
      [
        'clientDataJSON of a registration',
        (good) => withResponse(good, { clientDataJSON: clientData('webauthn.create') }),
      ],
      ['clientDataJSON that is base64url of nothing', (good) => withResponse(good, { clientDataJSON: 'A' })],
      ['a userHandle that is not base64url', (good) => withResponse(good, { userHandle: '<script>' })],
    ]
    it.each(cases)('%s', async (_, spoil) => {
      const key = await enroll('alice')
      const options = await factor.authenticationOptions('alice', 's')
      if (options === null) throw new Error('no options')
      const good = { ...(await key.authenticate(options, origin)) }
      const result = await factor.verifyAuthentication('alice', 's', spoil(good))
      expect(result).toMatchObject({ ok: false, reason: 'invalid_response', detail: expect.any(String) })
    })
  })
})

describe('managing keys', () => {
  it('renames a key of the user only, with the same name rules', async () => {
    const key = await enroll('alice')
    const bobsKey = await enroll('bob')
    expect(await factor.rename('alice', key.credentialId, '  Backup key ')).toEqual({ ok: true })
    expect(await factor.credentialsOf('alice')).toMatchObject([{ name: 'Backup key' }])
    expect(await factor.rename('alice', key.credentialId, 'y'.repeat(65))).toMatchObject({
      reason: 'invalid_name',
    })
    expect(await factor.rename('alice', bobsKey.credentialId, 'Mine now')).toMatchObject({
      reason: 'unknown_credential',
    })
    expect(await factor.credentialsOf('bob')).toMatchObject([{ name: 'Blue YubiKey' }])
  })

  it('removes a key and frees its id; another user’s key is out of reach', async () => {
    const key = await enroll('alice')
    const kept = await enroll('alice')
    const bobsKey = await enroll('bob')
    expect(await factor.remove('alice', bobsKey.credentialId)).toBe(false)
    expect(await store.get(keys.webauthnCredentialOwner(bobsKey.credentialId))).toBe('bob')

    expect(await factor.remove('alice', key.credentialId)).toBe(true)
    expect((await factor.credentialsOf('alice')).map((c) => c.id)).toEqual([kept.credentialId])
    expect(await store.get(keys.webauthnCredentialOwner(key.credentialId))).toBeNull()
    expect(await factor.remove('alice', key.credentialId)).toBe(false)
    // The removed key is unknown now, and may be registered again, by anyone.
    expect(await signIn('alice', key, { ignoreAllowCredentials: true })).toMatchObject({
      reason: 'unknown_credential',
    })
    expect(await register('bob', key)).toMatchObject({ ok: true })
  })

  it('removes every key on an admin reset, an unreadable one too, and frees their ids', async () => {
    const first = await enroll('alice')
    const second = await enroll('alice')
    const bobsKey = await enroll('bob')
    await store.set(keys.webauthnCredential('alice', first.credentialId), 'not json')
    await new StoredSecurityKeys(store).removeAll('alice')
    expect(await factor.credentialsOf('alice')).toEqual([])
    for (const key of [first, second]) {
      expect(await store.get(keys.webauthnCredential('alice', key.credentialId))).toBeNull()
      expect(await store.get(keys.webauthnCredentialUse('alice', key.credentialId))).toBeNull()
      expect(await store.get(keys.webauthnCredentialOwner(key.credentialId))).toBeNull()
    }
    expect(await factor.credentialsOf('bob')).toHaveLength(1)
    expect(await store.get(keys.webauthnCredentialOwner(bobsKey.credentialId))).toBe('bob')
  })

  it('reads an unreadable record as an error, never as "no keys"', async () => {
    const key = await enroll('alice')
    await store.set(keys.webauthnCredential('alice', key.credentialId), '{"id":"x"}')
    await expect(factor.credentialsOf('alice')).rejects.toThrow(
      "WebAuthn credentials of 'alice' are unreadable",
    )
    await expect(factor.authenticationOptions('alice', 's')).rejects.toThrow('unreadable')
  })
})

describe('passkeys (passwordless)', () => {
  const passkeySettings = () => ({ ...settingsFrom(), passwordless: true })
  /** A sign-in page's form id stands for the scope: no session exists yet. */
  const page = 'form-of-a-sign-in-page'

  beforeEach(() => useSettings(passkeySettings()))

  /** Options, the key's assertion, then the claim and its verification, as the passkey route calls them. */
  async function passkeySignIn(key: SoftAuthenticator, overrides: AuthenticationOverrides = {}) {
    const options = await factor.passkeyOptions(page)
    const response = await key.authenticate(options, origin, overrides)
    const claim = await factor.claimPasskey(page, response)
    return claim.ok ? { user: claim.user, result: await claim.verify() } : claim
  }

  it('registers every new key as a passkey: resident key and user verification required', async () => {
    const options = await factor.registrationOptions('alice', 's')
    expect(options.authenticatorSelection).toEqual({
      residentKey: 'required',
      requireResidentKey: true,
      userVerification: 'required',
    })
    expect(await register('alice', new SoftAuthenticator({ canVerifyUser: false }))).toMatchObject({
      reason: 'verification_failed',
      detail: expect.stringContaining('User verification'),
    })
    const key = await enroll('alice')
    expect(key.discoverable).toBe(true)
  })

  it('asks for any discoverable credential of this RP, with user verification required', async () => {
    const options = await factor.passkeyOptions(page)
    expect(options).toMatchObject({
      rpId: 'panel.example.com',
      userVerification: 'required',
      timeout: 120_000,
    })
    expect(options.allowCredentials ?? []).toEqual([])
  })

  it('names the key’s owner, then verifies the assertion and stores the counter', async () => {
    const key = await enroll('alice')
    await enroll('bob')
    clock.advance(60_000)
    expect(await passkeySignIn(key)).toEqual({
      user: 'alice',
      result: { ok: true, credentialId: key.credentialId },
    })
    expect(await factor.credentialsOf('alice')).toMatchObject([{ counter: 2, lastUsedAt: clock.now() }])
  })

  it('accepts a challenge once: a replayed assertion still names its user, and finds no challenge', async () => {
    const key = await enroll('alice')
    const options = await factor.passkeyOptions(page)
    const response = await key.authenticate(options, origin)
    const first = await factor.claimPasskey(page, response)
    expect(first.ok && (await first.verify())).toMatchObject({ ok: true })
    const replay = await factor.claimPasskey(page, response)
    expect(replay).toMatchObject({ ok: true, user: 'alice' })
    expect(replay.ok && (await replay.verify())).toMatchObject({ ok: false, reason: 'no_challenge' })
  })

  it('binds the challenge to its sign-in page, and never takes a second-factor challenge', async () => {
    const key = await enroll('alice')
    const options = await factor.passkeyOptions('another-page')
    const claim = await factor.claimPasskey(page, await key.authenticate(options, origin))
    expect(claim.ok && (await claim.verify())).toMatchObject({ reason: 'no_challenge' })

    const secondStep = await factor.authenticationOptions('alice', page)
    if (secondStep === null) throw new Error('no options')
    const tap = await factor.claimPasskey(page, await key.authenticate(secondStep, origin))
    expect(tap.ok && (await tap.verify())).toMatchObject({ reason: 'no_challenge' })
  })

  it('refuses an assertion without user verification', async () => {
    const key = await enroll('alice')
    expect(await passkeySignIn(key, { userVerified: false })).toEqual({
      user: 'alice',
      result: {
        ok: false,
        reason: 'user_not_verified',
        detail: 'the authenticator did not verify the user (UV flag clear)',
      },
    })
    expect(await factor.credentialsOf('alice')).toMatchObject([{ counter: 1, lastUsedAt: null }])
  })

  it('refuses a key that is not discoverable: no user handle, or another user’s', async () => {
    useSettings(settingsFrom())
    const plain = await enroll('alice')
    const bobs = await enroll('bob')
    useSettings(passkeySettings())
    expect(plain.discoverable).toBe(false)
    expect(await passkeySignIn(plain)).toMatchObject({
      user: 'alice',
      result: { ok: false, reason: 'not_discoverable', detail: expect.stringContaining('no user handle') },
    })
    const alicesHandle = (await factor.registrationOptions('alice', 's')).user.id
    expect(await passkeySignIn(bobs, { userHandle: alicesHandle })).toMatchObject({
      user: 'bob',
      result: { ok: false, reason: 'not_discoverable' },
    })
  })

  it('refuses a credential nobody registered, and takes its challenge all the same', async () => {
    const key = await enroll('alice')
    const stranger = new SoftAuthenticator()
    const options = await factor.passkeyOptions(page)
    expect(await factor.claimPasskey(page, await stranger.authenticate(options, origin))).toEqual({
      ok: false,
      reason: 'unknown_credential',
      detail: `credential ${stranger.credentialId} is not registered`,
    })
    const late = await factor.claimPasskey(page, await key.authenticate(options, origin))
    expect(late.ok && (await late.verify())).toMatchObject({ reason: 'no_challenge' })
  })

  it('refuses a removed key, and a forged or cloned one', async () => {
    const key = await enroll('alice')
    const copy = key.clone()
    expect(await passkeySignIn(key)).toMatchObject({ result: { ok: true } })
    expect(await passkeySignIn(copy)).toMatchObject({ result: { reason: 'counter_regression' } })
    const forger = new SoftAuthenticator()
    const handle = (await factor.registrationOptions('alice', 's')).user.id
    expect(
      await passkeySignIn(forger, { credentialId: key.credentialId, userHandle: handle, counter: 9 }),
    ).toMatchObject({ result: { reason: 'verification_failed' } })
    await factor.remove('alice', key.credentialId)
    expect(await passkeySignIn(key)).toMatchObject({ ok: false, reason: 'unknown_credential' })
  })

  it('answers malformed input with invalid_response', async () => {
    for (const bad of [null, 'x', {}, { id: 'a+b', rawId: 'a+b', type: 'public-key' }]) {
      expect(await factor.claimPasskey(page, bad)).toMatchObject({ ok: false, reason: 'invalid_response' })
    }
    const key = await enroll('alice')
    const options = await factor.passkeyOptions(page)
    const good = { ...(await key.authenticate(options, origin)) }
    const spoilt = withResponse(good, { clientDataJSON: clientData('webauthn.create') })
    const claim = await factor.claimPasskey(page, spoilt)
    expect(claim.ok && (await claim.verify())).toMatchObject({ reason: 'invalid_response' })
  })
})

function withResponse(
  good: Record<string, unknown>,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  const response = good.response
  return { ...good, response: { ...(typeof response === 'object' ? response : {}), ...fields } }
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64url')
}

function clientData(type: string): string {
  return b64(JSON.stringify({ type, challenge: 'AAAA', origin, crossOrigin: false }))
}

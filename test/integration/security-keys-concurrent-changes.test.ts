import { expect, it } from 'vitest'
import { webAuthnSettings } from '../../gateway/factors/webauthn/settings.ts'
import { WebAuthnFactor } from '../../gateway/factors/webauthn/webauthn-factor.ts'
import { parseConfig } from '../../gateway/load-config.ts'
import type { Store } from '../../gateway/store/store.ts'
import { describeOnBothStores } from '../support/both-stores.ts'
import { interleave, pauseBeforeWrite } from '../support/paused-store.ts'
import { SoftAuthenticator } from '../support/soft-authenticator.ts'

const origin = 'https://panel.example.com'
const loaded = parseConfig(
  {
    public_url: origin,
    upstream: { url: 'http://127.0.0.1:2082' },
    encryption_key: 'k'.repeat(40),
    first_factor: { panel_cookies: ['session'] },
  },
  { baseDir: '/etc/tapgate', env: {} },
)
if (!loaded.ok) throw new Error(loaded.problems.join('\n'))
const settings = webAuthnSettings(loaded.config)

/** Every write to one of alice's security keys (not her user handle). */
const alicesKeys = /^user:alice:webauthn(?!-handle)/

async function register(factor: WebAuthnFactor, key: SoftAuthenticator, scope: string, name?: string) {
  const options = await factor.registrationOptions('alice', scope)
  return factor.verifyRegistration('alice', scope, await key.register(options, origin), name)
}

async function signIn(factor: WebAuthnFactor, key: SoftAuthenticator, scope: string) {
  const options = await factor.authenticationOptions('alice', scope)
  if (options === null) throw new Error('alice has no keys')
  return factor.verifyAuthentication('alice', scope, await key.authenticate(options, origin))
}

/**
 * Two gateways change one user's security keys at the same moment. Each change is held right before
 * its first write to the user's keys while the other runs to completion: the interleaving in which a
 * read-modify-write of one list of keys loses the other change.
 */
describeOnBothStores('Security keys changed concurrently', (current) => {
  const gateways = () => {
    const { store, clock } = current()
    const paused = pauseBeforeWrite(store, alicesKeys)
    const on = (s: Store) => new WebAuthnFactor(settings, s, clock)
    return { paused, held: on(paused.store), other: on(store), clock }
  }

  it('keeps both of two registrations for one user at once', async () => {
    const { paused, held, other } = gateways()
    const first = new SoftAuthenticator()
    const second = new SoftAuthenticator()
    const [a, b] = await interleave(
      paused,
      () => register(held, first, 'session-a', 'Blue key'),
      () => register(other, second, 'session-b', 'Black key'),
    )
    expect([a.ok, b.ok]).toEqual([true, true])
    const listed = await other.credentialsOf('alice')
    expect(listed.map((c) => c.name).sort()).toEqual(['Black key', 'Blue key'])
    expect((await signIn(other, first, 's1')).ok).toBe(true)
    expect((await signIn(other, second, 's2')).ok).toBe(true)
  })

  it('keeps every one of several registrations started together', async () => {
    const factor = new WebAuthnFactor(settings, current().store, current().clock)
    const keys = Array.from({ length: 6 }, () => new SoftAuthenticator())
    const results = await Promise.all(keys.map((key, i) => register(factor, key, `session-${i}`)))
    expect(results.filter((r) => r.ok)).toHaveLength(6)
    const listed = (await factor.credentialsOf('alice')).map((c) => c.id).sort()
    expect(listed).toEqual(keys.map((k) => k.credentialId).sort())
  })

  it('keeps a registration made while a sign-in stores its counter, and the counter', async () => {
    const { paused, held, other, clock } = gateways()
    const used = new SoftAuthenticator()
    expect((await register(other, used, 'enroll', 'Blue key')).ok).toBe(true)
    clock.advance(60_000)
    const added = new SoftAuthenticator()
    const [signedIn, registered] = await interleave(
      paused,
      () => signIn(held, used, 'sign-in'),
      () => register(other, added, 'add', 'Spare key'),
    )
    expect([signedIn.ok, registered.ok]).toEqual([true, true])
    const listed = await other.credentialsOf('alice')
    expect(listed).toHaveLength(2)
    expect(listed.find((c) => c.id === used.credentialId)).toMatchObject({
      counter: 2,
      lastUsedAt: clock.now(),
    })
    expect(listed.find((c) => c.id === added.credentialId)).toMatchObject({ name: 'Spare key' })
  })

  it('keeps a rename made while a sign-in stores its counter, and the counter', async () => {
    const { paused, held, other, clock } = gateways()
    const key = new SoftAuthenticator()
    expect((await register(other, key, 'enroll', 'Blue key')).ok).toBe(true)
    clock.advance(60_000)
    const [signedIn, renamed] = await interleave(
      paused,
      () => signIn(held, key, 'sign-in'),
      () => other.rename('alice', key.credentialId, 'Work key'),
    )
    expect([signedIn.ok, renamed.ok]).toEqual([true, true])
    expect(await other.credentialsOf('alice')).toMatchObject([
      { id: key.credentialId, name: 'Work key', counter: 2, lastUsedAt: clock.now() },
    ])
  })

  it('keeps a key removed while a sign-in with it stores its counter removed, and refuses that sign-in', async () => {
    const { paused, held, other } = gateways()
    const key = new SoftAuthenticator()
    const kept = new SoftAuthenticator()
    expect((await register(other, key, 'enroll-1')).ok).toBe(true)
    expect((await register(other, kept, 'enroll-2')).ok).toBe(true)
    const [signedIn, removed] = await interleave(
      paused,
      () => signIn(held, key, 'sign-in'),
      () => other.remove('alice', key.credentialId),
    )
    expect(removed).toBe(true)
    expect(signedIn).toMatchObject({ ok: false, reason: 'unknown_credential' })
    expect((await other.credentialsOf('alice')).map((c) => c.id)).toEqual([kept.credentialId])
    // Its id is free again: the removal was complete.
    const bob = new WebAuthnFactor(settings, current().store, current().clock)
    const options = await bob.registrationOptions('bob', 'bob-session')
    const again = await bob.verifyRegistration('bob', 'bob-session', await key.register(options, origin))
    expect(again.ok).toBe(true)
  })

  it('keeps a key removed while it is being renamed removed', async () => {
    const { paused, held, other } = gateways()
    const key = new SoftAuthenticator()
    expect((await register(other, key, 'enroll')).ok).toBe(true)
    const [renamed, removed] = await interleave(
      paused,
      () => held.rename('alice', key.credentialId, 'Work key'),
      () => other.remove('alice', key.credentialId),
    )
    expect(removed).toBe(true)
    expect(renamed).toMatchObject({ ok: false, reason: 'unknown_credential' })
    expect(await other.credentialsOf('alice')).toEqual([])
    expect(await other.authenticationOptions('alice', 's')).toBeNull()
  })

  it('lists the keys in the order they were added', async () => {
    const { other, clock } = gateways()
    const names = ['First', 'Second', 'Third']
    for (const [i, name] of names.entries()) {
      clock.advance(1_000)
      expect((await register(other, new SoftAuthenticator(), `s${i}`, name)).ok).toBe(true)
    }
    await other.rename('alice', (await other.credentialsOf('alice'))[0]?.id ?? '', 'A renamed first')
    expect((await other.credentialsOf('alice')).map((c) => c.name)).toEqual([
      'A renamed first',
      'Second',
      'Third',
    ])
  })
})

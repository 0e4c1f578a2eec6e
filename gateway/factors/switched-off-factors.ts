import { z } from 'zod'
import type { Services } from '../services.ts'
import { IndexedRecords } from '../store/indexed-records.ts'
import { keys } from '../store/keys.ts'
import type { Store } from '../store/store.ts'
import type { FactorId } from './factor-id.ts'

/** The factor types an operator can turn off; an authenticator app is always on. */
export type SwitchableFactor = Exclude<FactorId, 'totp'>

/**
 * The factors the store holds for the user that this config cannot verify: a type turned off
 * (`factors.webauthn.enabled: false` …), or text messages `factors.sms.allow` no longer allows them.
 * Read from the store's own records whatever is enabled: such a user has a factor, so a password
 * alone must not enroll a new one (issue 14).
 */
export async function switchedOffFactors(s: Services, user: string): Promise<SwitchableFactor[]> {
  const smsAllowed = s.sms?.allows(user, s.groups.groupsOf(user)) === true
  const [securityKeys, yubikeys, phone] = await Promise.all([
    s.webauthn === null ? s.store.members(keys.webauthnCredentialIds(user)) : [],
    s.yubicoOtp === null ? s.store.members(keys.yubicoOtpKeyIds(user)) : [],
    smsAllowed ? null : s.store.get(keys.smsPhone(user)),
  ])
  const switchedOff: SwitchableFactor[] = []
  if (securityKeys.length > 0) switchedOff.push('webauthn')
  if (yubikeys.length > 0) switchedOff.push('yubico_otp')
  if (phone !== null) switchedOff.push('sms')
  return switchedOff
}

/**
 * An admin's reset of a user reaches the factors of types turned off too, so that the user may
 * enroll afresh. The enabled types' own removals are the factor classes' business; with a type off
 * there is no such class, so its records go here, in the order those removals use.
 */
export async function forgetSwitchedOffFactors(s: Services, user: string): Promise<void> {
  const owned = async (ownerKey: string) => (await s.store.get(ownerKey)) === user
  if (s.webauthn === null) {
    const credentials = recordsOf(
      s.store,
      keys.webauthnCredentialIds,
      keys.webauthnCredential,
      keys.webauthnCredentialUse,
    )
    for (const id of await credentials.ids(user)) {
      await credentials.remove(user, id)
      const owner = keys.webauthnCredentialOwner(id)
      if (await owned(owner)) await s.store.delete(owner)
    }
  }
  if (s.yubicoOtp === null) {
    const yubikeys = recordsOf(s.store, keys.yubicoOtpKeyIds, keys.yubicoOtpKey, keys.yubicoOtpKeyUse)
    const imported = await s.store.members(keys.yubicoOtpImported(user))
    for (const publicId of new Set([...(await yubikeys.ids(user)), ...imported])) {
      await yubikeys.remove(user, publicId)
      await s.store.removeMember(keys.yubicoOtpImported(user), publicId)
      if (await owned(keys.yubicoOtpOwner(publicId))) {
        await s.store.delete(keys.yubicoOtpSecret(publicId))
        await s.store.delete(keys.yubicoOtpOwner(publicId))
      }
    }
  }
  // With text messages on but not allowed for the user, SmsFactor.removeAll (in the reset) does it.
  if (s.sms === null) {
    await Promise.all([s.store.delete(keys.smsPhone(user)), s.store.delete(keys.smsPhoneUse(user))])
  }
}

type RecordKey = (owner: string, id: string) => string

/** A user's records of a type whose factor class is not there to read them: only ids and removal. */
function recordsOf(
  store: Store,
  ids: (owner: string) => string,
  details: RecordKey,
  use: RecordKey,
): IndexedRecords<unknown, unknown> {
  return new IndexedRecords(store, {
    what: 'records of a factor turned off',
    ids,
    details: { key: details, shape: z.unknown() },
    use: { key: use, shape: z.unknown() },
  })
}

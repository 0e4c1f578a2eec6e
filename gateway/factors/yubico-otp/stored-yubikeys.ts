import { z } from 'zod'
import { IndexedRecords } from '../../store/indexed-records.ts'
import { keys } from '../../store/keys.ts'
import type { Store } from '../../store/store.ts'
import type { StoredFactor } from '../stored-factor.ts'

const storedKey = z.object({
  /** Modhex, the first characters of every OTP the key types. */
  publicId: z.string().regex(/^[cbdefghijklnrtuv]{2,16}$/),
  name: z.string(),
  createdAt: z.number(),
})
/** When the key last signed in, apart from the rest so that a rename at the same moment is kept. */
const storedUse = z.object({ lastUsedAt: z.number().nullable() })

export type YubicoOtpKeyRecord = z.infer<typeof storedKey> & z.infer<typeof storedUse>

/**
 * A user's YubiKeys as stored: one record per enrolled key, the keys an operator imported for them
 * (local mode), a claim on each public id, and each imported key's sealed secret.
 */
export class StoredYubiKeys implements StoredFactor {
  readonly records: IndexedRecords<z.infer<typeof storedKey>, z.infer<typeof storedUse>>

  constructor(private readonly store: Store) {
    this.records = new IndexedRecords(store, {
      what: 'YubiKeys',
      ids: keys.yubicoOtpKeyIds,
      details: { key: keys.yubicoOtpKey, shape: storedKey },
      use: { key: keys.yubicoOtpKeyUse, shape: storedUse },
    })
  }

  /** Enrolled keys only: an imported key nobody has tapped yet is no way in. */
  async count(user: string): Promise<number> {
    return (await this.records.ids(user)).length
  }

  /**
   * True when the key was the user's (listed or imported for them) and is gone, with its imported
   * secret; its counters stay, so a re-import of the same key does not reopen old OTPs. Whether it
   * may go (last factor) is the caller's call.
   */
  async remove(user: string, publicId: string): Promise<boolean> {
    const listed = await this.records.remove(user, publicId)
    const imported = (await this.store.members(keys.yubicoOtpImported(user))).includes(publicId)
    if (!listed && !imported) return false
    await this.store.removeMember(keys.yubicoOtpImported(user), publicId)
    const ownerKey = keys.yubicoOtpOwner(publicId)
    if ((await this.store.get(ownerKey)) === user) {
      await this.store.delete(keys.yubicoOtpSecret(publicId))
      await this.store.delete(ownerKey)
    }
    return true
  }

  /** Every key of the user, listed (readable or not) or only imported. */
  async removeAll(user: string): Promise<void> {
    const listed = await this.records.ids(user)
    const imported = await this.store.members(keys.yubicoOtpImported(user))
    for (const publicId of new Set([...listed, ...imported])) await this.remove(user, publicId)
  }
}

import type { z } from 'zod'
import { IndexedRecords } from '../../store/indexed-records.ts'
import { keys } from '../../store/keys.ts'
import type { Store } from '../../store/store.ts'
import type { StoredFactor } from '../stored-factor.ts'
import { storedCredential, storedUse } from './records.ts'

/** A user's security keys as stored: one record per key, and a claim on each credential id. */
export class StoredSecurityKeys implements StoredFactor {
  readonly records: IndexedRecords<z.infer<typeof storedCredential>, z.infer<typeof storedUse>>

  constructor(private readonly store: Store) {
    this.records = new IndexedRecords(store, {
      what: 'WebAuthn credentials',
      ids: keys.webauthnCredentialIds,
      details: { key: keys.webauthnCredential, shape: storedCredential },
      use: { key: keys.webauthnCredentialUse, shape: storedUse },
    })
  }

  async count(user: string): Promise<number> {
    return (await this.records.ids(user)).length
  }

  /** True when the key was the user's and is gone, with the user's claim on its id. */
  async remove(user: string, credentialId: string): Promise<boolean> {
    if (!(await this.records.remove(user, credentialId))) return false
    const ownerKey = keys.webauthnCredentialOwner(credentialId)
    if ((await this.store.get(ownerKey)) === user) await this.store.delete(ownerKey)
    return true
  }

  /** Every key of the user, readable or not. */
  async removeAll(user: string): Promise<void> {
    for (const id of await this.records.ids(user)) await this.remove(user, id)
  }
}

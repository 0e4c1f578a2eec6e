import { keys } from '../../store/keys.ts'
import type { Store } from '../../store/store.ts'
import type { StoredFactor } from '../stored-factor.ts'
import type { SmsPurpose } from './sms-factor.ts'

const purposes: readonly SmsPurpose[] = ['sign_in', 'register']

/** A user's phone number for text messages as stored, with the codes waiting to be entered. */
export class StoredPhone implements StoredFactor {
  constructor(private readonly store: Store) {}

  async count(user: string): Promise<number> {
    return (await this.store.get(keys.smsPhone(user))) === null ? 0 : 1
  }

  /** The number and every outstanding code gone. The hourly counts stay. */
  async removeAll(user: string): Promise<void> {
    await Promise.all([
      this.store.delete(keys.smsPhone(user)),
      this.store.delete(keys.smsPhoneUse(user)),
      ...purposes.map((purpose) => this.store.delete(keys.smsCode(user, purpose))),
      ...purposes.map((purpose) => this.store.delete(keys.smsCooldown(user, purpose))),
    ])
  }
}

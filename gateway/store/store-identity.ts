import { randomBytes } from 'node:crypto'
import type { Store } from './store.ts'

const markerKey = 'meta:store-identity'

/**
 * Guards against a store that silently lost its data (a Redis restarted without persistence, a
 * FLUSHALL): every user would look like one with no factor, and a password alone could enroll a
 * new one. The gateway writes a marker when it starts (or adopts the one there) and checks it before
 * offering enrollment; a missing or different marker means the data is gone, and enrollment is refused.
 */
export class StoreIdentity {
  #expected: string | null = null

  constructor(private readonly store: Store) {}

  async establish(): Promise<void> {
    const candidate = randomBytes(16).toString('base64url')
    await this.store.setIfAbsent(markerKey, candidate)
    this.#expected = await this.store.get(markerKey)
  }

  /** True when the store still holds what it held when this gateway started. */
  async isIntact(): Promise<boolean> {
    if (this.#expected === null) await this.establish()
    return (await this.store.get(markerKey)) === this.#expected
  }
}

import { randomBytes } from 'node:crypto'
import { readIdentityFile, writeIdentityFile } from './identity-file.ts'
import type { Store } from './store.ts'

const markerKey = 'meta:store-identity'

/**
 * What start-up found: `intact`; `new` (a first start gave the store its identity); `joined` (no
 * identity file yet, the store's identity adopted: a gateway added beside others, or an upgrade);
 * `lost` (the store has no identity any more: its data is gone); `replaced` (another store's identity).
 */
export type StoreState = 'intact' | 'new' | 'joined' | 'lost' | 'replaced'

/** What `tapgate store accept-empty` did: nothing, put the expected identity back, or took the store's. */
export type Acceptance = 'intact' | 'restored' | 'adopted'

/**
 * Guards against a store that silently lost its data (a Redis restarted without persistence, a
 * FLUSHALL): every user would look like one with no factor, and a password alone could enroll a
 * new one. The store holds a random identity, and `store.identity_file` remembers it outside the
 * store, so a restart does not forget what to expect. Enrollment is offered only while the two agree;
 * only an operator (`tapgate store accept-empty`) makes a gateway accept a store that came back empty.
 */
export class StoreIdentity {
  #expected: string | null = null

  constructor(
    private readonly store: Store,
    readonly file: string,
  ) {}

  /**
   * At start-up. With an identity file, only compares: a marker is never written over a store that
   * lost its own. Without one (a first start), adopts the store's identity, or gives it one, and
   * writes it down.
   */
  async establish(): Promise<StoreState> {
    const remembered = readIdentityFile(this.file)
    if (remembered !== null) {
      this.#expected = remembered
      const marker = await this.store.get(markerKey)
      if (marker === null) return 'lost'
      return marker === remembered ? 'intact' : 'replaced'
    }
    const created = await this.store.setIfAbsent(markerKey, newIdentity())
    const current = await this.#marker()
    writeIdentityFile(this.file, current)
    this.#expected = current
    return created ? 'new' : 'joined'
  }

  /** True when the store still holds the identity this gateway expects. */
  async isIntact(): Promise<boolean> {
    // Read each time: `tapgate store accept-empty` may have changed it while this gateway runs.
    this.#expected = readIdentityFile(this.file) ?? this.#expected
    // Not known yet when the store was down at start-up.
    if (this.#expected === null) await this.establish()
    return (await this.store.get(markerKey)) === this.#expected
  }

  /**
   * The operator accepts the store as it is now. One without an identity gets back the one the
   * gateways expect, so every gateway sharing it resumes enrolling at once; one with another identity
   * (given by a gateway that had no identity file) is adopted into this gateway's file.
   */
  async acceptAsItIs(): Promise<Acceptance> {
    const remembered = readIdentityFile(this.file)
    const restored = await this.store.setIfAbsent(markerKey, remembered ?? newIdentity())
    const current = await this.#marker()
    if (current !== remembered) writeIdentityFile(this.file, current)
    this.#expected = current
    if (restored) return 'restored'
    return current === remembered ? 'intact' : 'adopted'
  }

  async #marker(): Promise<string> {
    const marker = await this.store.get(markerKey)
    if (marker === null) throw new Error('the store identity vanished as it was written')
    return marker
  }
}

function newIdentity(): string {
  return randomBytes(16).toString('base64url')
}

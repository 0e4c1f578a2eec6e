import type { z } from 'zod'
import { safeJson } from '../safe-json.ts'
import type { Store } from './store.ts'

/** One record: `details` are written when it is added and by a rename, `use` by every sign-in with it. */
export interface IndexedRecord<Details, Use> {
  details: Details
  use: Use
}

/** Where an owner's records live in the store (gateway/store/keys.ts), and what they look like. */
export interface RecordLayout<Details, Use> {
  /** Names the records in errors: "<what> of '<owner>' are unreadable". */
  what: string
  /** The member set of the owner's record ids. */
  ids: (owner: string) => string
  details: { key: (owner: string, id: string) => string; shape: z.ZodType<Details> }
  use: { key: (owner: string, id: string) => string; shape: z.ZodType<Use> }
}

type Part = 'details' | 'use'

/**
 * An owner's records (a user's security keys, their YubiKeys), each under keys of its own and listed
 * by a member set of their ids. Changes to different records never write the same key, and a rename
 * and a sign-in with the same record write different parts, so none of them overwrites another (a
 * read-modify-write of one list lost whichever change wrote first).
 *
 * With no compare-and-set in the Store, the order of writes keeps a removed record removed:
 * - add writes both parts, then the member;
 * - remove drops the member, then both parts;
 * - update writes a part, then checks that the id is still a member, and deletes the part again if
 *   not: whether the removal's deletes ran before or after that write, nothing of the record is left;
 * - a read takes the members first; a part missing for an id that is still a member is lost data and
 *   rejects, never reads as "no record" (DESIGN, State); one whose member went meanwhile is skipped.
 * What remains is two updates of the same part of one record at once: the last write wins.
 */
export class IndexedRecords<Details, Use> {
  constructor(
    private readonly store: Store,
    private readonly layout: RecordLayout<Details, Use>,
  ) {}

  ids(owner: string): Promise<string[]> {
    return this.store.members(this.layout.ids(owner))
  }

  async has(owner: string, id: string): Promise<boolean> {
    return (await this.ids(owner)).includes(id)
  }

  /** Every record of the owner, in the order of their ids. */
  async list(owner: string): Promise<IndexedRecord<Details, Use>[]> {
    const records = await Promise.all((await this.ids(owner)).map((id) => this.#read(owner, id)))
    return records.filter((record) => record !== null)
  }

  /** The record; null when the id is not one of the owner's. */
  async get(owner: string, id: string): Promise<IndexedRecord<Details, Use> | null> {
    return (await this.has(owner, id)) ? this.#read(owner, id) : null
  }

  async add(owner: string, id: string, record: IndexedRecord<Details, Use>): Promise<void> {
    await Promise.all([
      this.#write('details', owner, id, record.details),
      this.#write('use', owner, id, record.use),
    ])
    await this.store.addMember(this.layout.ids(owner), id)
  }

  /** Replaces one part; false, with nothing written, when the record was removed before or meanwhile. */
  async update<P extends Part>(
    owner: string,
    id: string,
    part: P,
    value: IndexedRecord<Details, Use>[P],
  ): Promise<boolean> {
    await this.#write(part, owner, id, value)
    if (await this.has(owner, id)) return true
    await this.store.delete(this.layout[part].key(owner, id))
    return false
  }

  /** True when the id was one of the owner's and is gone. */
  async remove(owner: string, id: string): Promise<boolean> {
    if (!(await this.has(owner, id))) return false
    await this.store.removeMember(this.layout.ids(owner), id)
    await Promise.all([
      this.store.delete(this.layout.details.key(owner, id)),
      this.store.delete(this.layout.use.key(owner, id)),
    ])
    return true
  }

  #write(part: Part, owner: string, id: string, value: unknown): Promise<void> {
    return this.store.set(this.layout[part].key(owner, id), JSON.stringify(value))
  }

  async #read(owner: string, id: string): Promise<IndexedRecord<Details, Use> | null> {
    const { details, use } = this.layout
    const [detailsText, useText] = await Promise.all([
      this.store.get(details.key(owner, id)),
      this.store.get(use.key(owner, id)),
    ])
    if (detailsText === null || useText === null) {
      if (await this.has(owner, id)) throw this.#unreadable(owner)
      return null
    }
    const parsedDetails = details.shape.safeParse(safeJson(detailsText))
    const parsedUse = use.shape.safeParse(safeJson(useText))
    if (!parsedDetails.success || !parsedUse.success) throw this.#unreadable(owner)
    return { details: parsedDetails.data, use: parsedUse.data }
  }

  #unreadable(owner: string): Error {
    return new Error(`${this.layout.what} of '${owner}' are unreadable`)
  }
}

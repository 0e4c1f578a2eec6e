import type { Store } from './store.ts'

/** One member of a member set, with its own remaining lifetime (null: kept until removed). */
export interface StoreMember {
  member: string
  ttlMs: number | null
}

/**
 * One key of a store and everything it holds, as `tapgate store export` copies it between backends:
 * a value (with its remaining lifetime), a member set (each member with its own) or a capped list
 * (newest first; lists never expire). Values are the stored strings unchanged, so what was sealed
 * with `encryption_key` stays sealed.
 */
export type StoreEntry =
  | { key: string; kind: 'value'; value: string; ttlMs: number | null }
  | { key: string; kind: 'members'; members: StoreMember[] }
  | { key: string; kind: 'list'; values: string[] }

/** A store whose keys can be listed and written back: what moving between SQLite and Redis needs. */
export interface MovableStore extends Store {
  /**
   * Every live key once, with what it holds now; expired values and members are left out, and so are
   * sets with no live member. Not a snapshot across keys on Redis: stop the gateways first.
   */
  entries(): AsyncIterable<StoreEntry>
  /** Writes the entry over whatever its key held, lifetimes counted from now. */
  restore(entry: StoreEntry): Promise<void>
}

/** Code-unit order, as `members` lists them. */
export function byMember(a: StoreMember, b: StoreMember): number {
  return a.member < b.member ? -1 : a.member > b.member ? 1 : 0
}

/** `restore` on top of the Store's own operations, so both backends write an entry alike. */
export async function restoreEntry(store: Store, entry: StoreEntry): Promise<void> {
  await store.delete(entry.key)
  switch (entry.kind) {
    case 'value':
      await store.set(entry.key, entry.value, entry.ttlMs ?? undefined)
      return
    case 'members':
      for (const { member, ttlMs } of entry.members) {
        await store.addMember(entry.key, member, ttlMs ?? undefined)
      }
      return
    case 'list':
      // pushCapped prepends: oldest first leaves the newest in front, as it was.
      for (const value of entry.values.toReversed()) {
        await store.pushCapped(entry.key, value, entry.values.length)
      }
      return
  }
}

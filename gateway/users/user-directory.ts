import { keys } from '../store/keys.ts'
import type { Store } from '../store/store.ts'

/**
 * The users tapgate has seen pass the password step. Admins list and search them; the history keeps
 * failed passwords only for them, so a flood of made-up usernames cannot fill the store.
 */
export class UserDirectory {
  constructor(private readonly store: Store) {}

  async remember(user: string): Promise<void> {
    if (await this.isKnown(user)) return
    await this.store.set(keys.knownUser(user), '1')
    await this.store.addMember(keys.users(), user)
  }

  async isKnown(user: string): Promise<boolean> {
    return (await this.store.get(keys.knownUser(user))) !== null
  }

  /** Every known user, sorted; `search` keeps those whose name contains it (case-insensitive). */
  async list(search = ''): Promise<string[]> {
    const needle = search.trim().toLowerCase()
    const users = await this.store.members(keys.users())
    return needle === '' ? users : users.filter((user) => user.toLowerCase().includes(needle))
  }
}

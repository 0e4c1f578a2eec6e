import type { Store } from '../../gateway/store/store.ts'

export interface PausedStore {
  /** The store to hand to the code under test. */
  store: Store
  /** Resolves once the first write to a matching key is reached, and held. */
  reached: Promise<void>
  /** Lets the held write, and everything after it, go. */
  release(): void
}

/**
 * Wraps a store so that the first write (set, setIfAbsent, delete, addMember, removeMember) to a key
 * matching `pattern` waits for release(). Another operation can then run to completion at exactly that
 * point: the interleaving that loses an update in a read-modify-write, made certain rather than hoped
 * for, and without sleeping.
 */
export function pauseBeforeWrite(store: Store, pattern: RegExp): PausedStore {
  let held = false
  let arrive = () => {}
  let release = () => {}
  const reached = new Promise<void>((resolve) => {
    arrive = resolve
  })
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  async function hold(key: string): Promise<void> {
    if (held || !pattern.test(key)) return
    held = true
    arrive()
    await released
  }
  const paused: Store = {
    get: (key) => store.get(key),
    getParsed: (key, parse) => store.getParsed(key, parse),
    set: async (key, value, ttlMs) => {
      await hold(key)
      return store.set(key, value, ttlMs)
    },
    setIfAbsent: async (key, value, ttlMs) => {
      await hold(key)
      return store.setIfAbsent(key, value, ttlMs)
    },
    take: (key) => store.take(key),
    delete: async (key) => {
      await hold(key)
      return store.delete(key)
    },
    increment: (key, ttlMs) => store.increment(key, ttlMs),
    ttl: (key) => store.ttl(key),
    addMember: async (key, member, ttlMs) => {
      await hold(key)
      return store.addMember(key, member, ttlMs)
    },
    removeMember: async (key, member) => {
      await hold(key)
      return store.removeMember(key, member)
    },
    members: (key) => store.members(key),
    pushCapped: (key, value, maxLength) => store.pushCapped(key, value, maxLength),
    recent: (key) => store.recent(key),
    ping: () => store.ping(),
    close: () => store.close(),
  }
  return { store: paused, reached, release }
}

/**
 * Starts `operation` (which must use `paused.store`), and once it is held at its write runs `meanwhile`
 * to completion, then lets `operation` finish. Resolves to both results.
 */
export async function interleave<A, B>(
  paused: PausedStore,
  operation: () => Promise<A>,
  meanwhile: () => Promise<B>,
): Promise<[A, B]> {
  const running = operation()
  const held = await Promise.race([paused.reached.then(() => true), running.then(() => false)])
  if (!held) throw new Error('the operation finished without reaching the write the test holds')
  let other: B
  try {
    other = await meanwhile()
  } catch (error) {
    paused.release()
    await running.catch(() => {})
    throw error
  }
  paused.release()
  return [await running, other]
}

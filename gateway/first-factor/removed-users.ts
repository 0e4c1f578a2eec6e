import type { Services } from '../services.ts'
import type { LocalUsers } from './local-users.ts'

/** What this file uses of the services. */
type RemovedUserParts = Pick<Services, 'localUsers' | 'log' | 'sessions' | 'trustedDevices' | 'users'>

/**
 * Local mode: a user removed from the users file, or disabled in it, keeps no way in. Refusing
 * their password is not enough: their sessions (pending ones too) and trusted devices end at once,
 * on every gateway sharing the store. Checked against every user tapgate knows, so a change made
 * while the gateway was down takes effect when it starts.
 */
export async function endAccessOfRemovedUsers(s: RemovedUserParts, users: LocalUsers): Promise<void> {
  const known = await s.users.list()
  const removed = known.filter((user) => users.find(user)?.disabled !== false)
  for (const user of removed) {
    const [sessions, devices] = await Promise.all([
      s.sessions.destroyAllOf(user),
      s.trustedDevices.revokeAll(user),
    ])
    if (sessions + devices > 0) {
      s.log.warn(
        { event: 'user_access_ended', user, sessions, trustedDevices: devices },
        'user removed or disabled in the users file: sessions and trusted devices ended',
      )
    }
  }
}

/**
 * Starts watching the users file (local mode): after start-up and after every reload that took,
 * removed and disabled users lose their sessions. Returns a function that stops watching; undefined
 * outside local mode.
 */
export async function watchUsersFile(s: RemovedUserParts): Promise<(() => void) | undefined> {
  const users = s.localUsers
  if (users === null) return undefined
  const sweep = () =>
    endAccessOfRemovedUsers(s, users).catch((error: Error) => {
      // The store is down: its sessions cannot be used meanwhile either; the next reload tries again.
      s.log.error(
        { event: 'user_access_not_ended', err: error.message },
        'could not end removed users’ sessions',
      )
    })
  await sweep()
  return users.watch(s.log, (error) => {
    if (error === null) void sweep()
  })
}

import { z } from 'zod'
import type { Clock } from '../deps.ts'
import { safeJson } from '../safe-json.ts'
import { keys } from '../store/keys.ts'
import type { Store } from '../store/store.ts'
import { newToken, tokenId } from './token.ts'

/**
 * `first_factor`: the panel accepted the password; its cookies are held back until a second
 * factor is verified. `two_factor`: both factors verified; requests reach the panel.
 */
export type SessionLevel = 'first_factor' | 'two_factor'

const sessionRecord = z.object({
  user: z.string(),
  level: z.enum(['first_factor', 'two_factor']),
  createdAt: z.number(),
  seenAt: z.number(),
  /**
   * The panel's session cookies (first_factor.panel_cookies), sealed for this user: sent to the panel
   * with a verified session's requests, never to the browser (gateway/panel-session/panel-jar.ts).
   */
  panelJar: z.string().optional(),
  /** The login answer's other Set-Cookie values, sealed, released with the second factor (held-cookies.ts). */
  heldCookies: z.string().optional(),
  /** Where the panel wanted to send the user after login; a same-origin path. */
  returnTo: z.string().optional(),
  /** A TOTP secret offered for enrollment, sealed, kept so a reload shows the same QR code. */
  offeredTotpSecret: z.string().optional(),
  /** Invite mode: this pending session redeemed the user's one-time enrollment code. */
  invited: z.boolean().optional(),
  /** When a second factor was last verified in this session; absent when a trusted device let it in. */
  verifiedAt: z.number().optional(),
  /** Recovery codes just generated, sealed, until the user says they saved them (shown once). */
  freshRecoveryCodes: z.string().optional(),
  /** A pending sign-in kept past `session.pending`: until the text-message code sent during it expires. */
  pendingUntil: z.number().optional(),
  /**
   * An action a step-up interrupted (an admin's reset …): what the 2fa page says it is for, and what
   * the page it returns to offers again, with the reason already typed.
   */
  interrupted: z.object({ action: z.string(), label: z.string(), reason: z.string().optional() }).optional(),
})

export type Session = z.infer<typeof sessionRecord>

function parseSession(text: string): Session | null {
  const parsed = sessionRecord.safeParse(safeJson(text))
  return parsed.success ? Object.freeze(parsed.data) : null
}

export interface SessionTimeouts {
  idle: number
  absolute: number
  pending: number
}

/** Idle expiry is refreshed at most this often, so a busy user costs no store write per request. */
const refreshEveryMs = 60_000

export class Sessions {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly timeouts: SessionTimeouts,
  ) {}

  async create(fields: Omit<Session, 'createdAt' | 'seenAt'>): Promise<string> {
    const now = this.clock.now()
    const token = newToken()
    const id = tokenId(token)
    const session: Session = { ...fields, createdAt: now, seenAt: now }
    // Indexed by user so that a reset ends them all; no session outlives the absolute timeout.
    await this.store.addMember(keys.sessionsOfUser(fields.user), id, this.timeouts.absolute)
    const lifetime = this.#lifetime(session, now)
    await this.store.set(keys.session(id), JSON.stringify(session), lifetime)
    if (session.level === 'two_factor') await this.store.addMember(keys.verifiedSessions(), id, lifetime)
    return token
  }

  /** How many verified sessions are live, across every gateway sharing the store (for the metrics). */
  async countVerified(): Promise<number> {
    return (await this.store.members(keys.verifiedSessions())).length
  }

  /**
   * Ends every session of the user at once, on every gateway sharing the store (DESIGN invariant 6):
   * the next request of any of them finds no session.
   */
  async destroyAllOf(user: string): Promise<number> {
    const index = keys.sessionsOfUser(user)
    const ids = await this.store.members(index)
    await Promise.all(
      ids.flatMap((id) => [
        this.store.delete(keys.session(id)),
        this.store.removeMember(keys.verifiedSessions(), id),
      ]),
    )
    await this.store.delete(index)
    return ids.length
  }

  /**
   * The live session for a token, or null when absent, expired or unreadable. One store read at most:
   * none when the store keeps a coherent copy (store/tracked-reads.ts). The session is shared: frozen.
   */
  load(token: string): Promise<Session | null> {
    const id = tokenId(token)
    const key = keys.session(id)
    // then, not async: the hot path's every request comes here, and most go on with the session as read.
    return this.store.getParsed(key, parseSession).then((session) => {
      if (session === null) return null
      const now = this.clock.now()
      if (this.#lifetime(session, now) <= 0) return this.store.delete(key).then(() => null)
      if (session.level === 'two_factor' && now - session.seenAt >= refreshEveryMs) {
        return this.#markSeen(key, id, session, now)
      }
      return session
    })
  }

  /** A verified session's last-seen time moved on: its idle timeout counts from now. */
  async #markSeen(key: string, id: string, session: Session, now: number): Promise<Session> {
    const seen = { ...session, seenAt: now }
    const lifetime = this.#lifetime(seen, now)
    await Promise.all([
      this.store.set(key, JSON.stringify(seen), lifetime),
      this.store.addMember(keys.verifiedSessions(), id, lifetime),
    ])
    return seen
  }

  async save(token: string, session: Session): Promise<void> {
    const lifetime = this.#lifetime(session, this.clock.now())
    await this.store.set(keys.session(tokenId(token)), JSON.stringify(session), Math.max(lifetime, 1))
  }

  /**
   * Keeps a pending sign-in alive at least until `until` (a text-message code sent during it expires
   * then), so that the code works for as long as its message says. Never shortens it.
   */
  async keepPendingUntil(token: string, session: Session, until: number): Promise<void> {
    if (session.level !== 'first_factor' || (session.pendingUntil ?? 0) >= until) return
    await this.save(token, { ...session, pendingUntil: until })
  }

  /** A level change issues a new token and destroys the old one (session fixation defence). */
  async rotate(oldToken: string, fields: Omit<Session, 'createdAt' | 'seenAt'>): Promise<string> {
    await this.destroy(oldToken)
    return this.create(fields)
  }

  async destroy(token: string): Promise<void> {
    const id = tokenId(token)
    await Promise.all([
      this.store.delete(keys.session(id)),
      this.store.removeMember(keys.verifiedSessions(), id),
    ])
  }

  /** Milliseconds the session may still live: the pending TTL, or idle capped by absolute. */
  #lifetime(session: Session, now: number): number {
    if (session.level === 'first_factor') {
      return Math.max(session.createdAt + this.timeouts.pending, session.pendingUntil ?? 0) - now
    }
    return Math.min(session.seenAt + this.timeouts.idle, session.createdAt + this.timeouts.absolute) - now
  }
}

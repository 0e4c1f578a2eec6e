import Bowser from 'bowser'
import { z } from 'zod'
import type { Clock } from '../deps.ts'
import type { RequestOrigin } from '../history/login-history.ts'
import { safeJson } from '../safe-json.ts'
import { keys } from '../store/keys.ts'
import type { Store } from '../store/store.ts'
import { isWellFormedToken, newToken, tokenId } from './token.ts'

const deviceRecord = z.object({
  user: z.string(),
  createdAt: z.number(),
  lastUsedAt: z.number(),
  expiresAt: z.number(),
  firstIp: z.string(),
  userAgent: z.string(),
})

type DeviceRecord = z.infer<typeof deviceRecord>

export interface TrustedDevice extends DeviceRecord {
  /** The SHA-256 of the device's token: what the account page posts back to revoke it. */
  id: string
  /** "Chrome on Windows", from the user agent it was trusted with. */
  label: string
}

/**
 * "Trust this device for 30 days" (seed 001): a mark, held in its own long-lived HttpOnly cookie,
 * that lets one user's panel login on one browser skip the second factor until it expires. The
 * store keys it by the token's SHA-256 and indexes it by user, so the user (or an admin's reset)
 * can revoke one or all of them. A mark works only for the user it was issued to.
 */
export class TrustedDevices {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly lifetimeMs: number,
  ) {}

  /** Issues a mark; returns the token for the cookie. */
  async trust(user: string, origin: RequestOrigin): Promise<string> {
    const token = newToken()
    const id = tokenId(token)
    const now = this.clock.now()
    const record: DeviceRecord = {
      user,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: now + this.lifetimeMs,
      firstIp: origin.ip,
      userAgent: origin.userAgent,
    }
    await this.store.addMember(keys.trustedDevicesOf(user), id, this.lifetimeMs)
    await this.store.set(keys.trustedDevice(id), JSON.stringify(record), this.lifetimeMs)
    return token
  }

  /** Whether `token` is a live mark of `user`; a match is recorded as the mark's last use. */
  async vouchesFor(user: string, token: string | undefined): Promise<boolean> {
    if (!isWellFormedToken(token)) return false
    const id = tokenId(token)
    const record = await this.#load(id)
    if (record === null || record.user !== user) return false
    const remaining = record.expiresAt - this.clock.now()
    if (remaining <= 0) return false
    await this.store.set(
      keys.trustedDevice(id),
      JSON.stringify({ ...record, lastUsedAt: this.clock.now() }),
      remaining,
    )
    return true
  }

  /** The user's live marks, most recently used first. */
  async of(user: string): Promise<TrustedDevice[]> {
    const ids = await this.store.members(keys.trustedDevicesOf(user))
    const devices: TrustedDevice[] = []
    for (const id of ids) {
      const record = await this.#load(id)
      if (record !== null && record.user === user)
        devices.push({ ...record, id, label: deviceLabel(record.userAgent) })
    }
    return devices.sort((a, b) => b.lastUsedAt - a.lastUsedAt)
  }

  /** The id of the mark a cookie holds (to point out "this device"); null for no or a malformed cookie. */
  idOf(token: string | undefined): string | null {
    return isWellFormedToken(token) ? tokenId(token) : null
  }

  /** Revokes one mark of the user; false when the user has no such mark. */
  async revoke(user: string, id: string): Promise<boolean> {
    const record = await this.#load(id)
    if (record === null || record.user !== user) return false
    await this.store.delete(keys.trustedDevice(id))
    await this.store.removeMember(keys.trustedDevicesOf(user), id)
    return true
  }

  /** Revokes every mark of the user (factor changes, "revoke all", an admin's reset); says how many. */
  async revokeAll(user: string): Promise<number> {
    const index = keys.trustedDevicesOf(user)
    const ids = await this.store.members(index)
    await Promise.all(ids.map((id) => this.store.delete(keys.trustedDevice(id))))
    await this.store.delete(index)
    return ids.length
  }

  async #load(id: string): Promise<DeviceRecord | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return null
    const text = await this.store.get(keys.trustedDevice(id))
    if (text === null) return null
    const parsed = deviceRecord.safeParse(safeJson(text))
    return parsed.success ? parsed.data : null
  }
}

/** "Firefox on macOS"; "Unknown browser" when the user agent says nothing useful. */
export function deviceLabel(userAgent: string): string {
  if (userAgent.trim() === '') return 'Unknown browser'
  const { browser, os } = Bowser.parse(userAgent)
  if (!browser.name) return 'Unknown browser'
  return os.name ? `${browser.name} on ${os.name}` : browser.name
}

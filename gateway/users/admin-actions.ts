import type { Logger } from 'pino'
import { type EnrolledFactors, enrolledFactors } from '../factors/enrolled-factors.ts'
import type { FactorSet } from '../factors/factor-kinds.ts'
import type { KeyMaterial } from '../factors/yubico-otp/key-material.ts'
import type { ImportResult, YubicoOtpFactor } from '../factors/yubico-otp/yubico-otp-factor.ts'
import type { HistoryEntry, LoginHistory, RequestOrigin } from '../history/login-history.ts'
import type { AddressLock, Regulator } from '../regulation/regulator.ts'
import type { EnrollmentInvites } from './enrollment-invites.ts'
import type { ResetParts } from './reset-user.ts'

/** What an admin's actions read and change; every one is written into the history. */
export interface AdminParts {
  regulator: Regulator
  invites: EnrollmentInvites
  history: LoginHistory
  log: Logger
}

/** Who did it and from where, for the user's history: an admin's name or `cli:<os user>`. */
export interface AdminAct {
  actor: string
  origin: RequestOrigin
}

/** What the admin page and `tapgate user show` tell about one user. */
export interface UserOverview {
  user: string
  factors: EnrolledFactors
  /** When the user's own lockout ends (ms since the epoch); null when they are not locked out. */
  lockedUntil: number | null
  /** The addresses (blocks) the user is locked out from, and until when. */
  lockedAddresses: AddressLock[]
  /** When their outstanding enrollment code expires; null when there is none. */
  inviteExpiresAt: number | null
  history: HistoryEntry[]
}

export async function userOverview(s: AdminParts & FactorSet, user: string): Promise<UserOverview> {
  const [factors, lockouts, inviteExpiresAt, history] = await Promise.all([
    enrolledFactors(s, user),
    s.regulator.lockoutsOfUser(user),
    s.invites.expiresAt(user),
    s.history.of(user),
  ])
  return {
    user,
    factors,
    lockedUntil: lockouts.until,
    lockedAddresses: lockouts.addresses,
    inviteExpiresAt,
    history,
  }
}

/**
 * Ends every session of the user on every gateway and forgets their trusted browsers, their factors
 * kept: for a stolen laptop or a shared browser, where a reset would make them enroll again.
 */
export async function signOutEverywhere(
  s: Pick<ResetParts, 'history' | 'sessions' | 'trustedDevices'>,
  user: string,
  act: AdminAct & { reason?: string },
): Promise<void> {
  await Promise.all([s.sessions.destroyAllOf(user), s.trustedDevices.revokeAll(user)])
  const reason = act.reason?.trim()
  await s.history.record(
    user,
    act.origin,
    { event: 'admin', result: 'signed_out', actor: act.actor, ...(reason ? { reason } : {}) },
    { level: 'warn', message: 'signed out everywhere by an admin' },
  )
}

/**
 * Lifts the user's lockouts, their own and theirs at any address, and forgets their failures; an
 * address locked for everyone stays (`liftAddressLockout`). Audited.
 */
export async function liftLockout(s: AdminParts, user: string, act: AdminAct & { reason?: string }) {
  await s.regulator.liftUser(user)
  const reason = act.reason?.trim()
  await s.history.record(
    user,
    act.origin,
    { event: 'admin', result: 'unlocked', actor: act.actor, ...(reason ? { reason } : {}) },
    { level: 'warn', message: 'lockout lifted by an admin' },
  )
}

/**
 * Lifts the lockout of the address block holding `address` (an IPv6 /64 as a whole). Logged, as it
 * belongs to no user's history. Returns the block lifted, or null when it was not locked.
 */
export async function liftAddressLockout(
  s: AdminParts,
  address: string,
  act: AdminAct,
): Promise<string | null> {
  const block = await s.regulator.liftAddress(address)
  if (block !== null) {
    s.log.warn(
      { event: 'admin', result: 'address_unlocked', block, actor: act.actor, ip: act.origin.ip },
      'address lockout lifted by an admin',
    )
  }
  return block
}

/** A new enrollment code for the user (the old one stops working), returned to be shown once. Audited. */
export async function issueEnrollmentInvite(s: AdminParts, user: string, act: AdminAct): Promise<string> {
  const code = await s.invites.issue(user)
  await s.history.record(user, act.origin, { event: 'admin', result: 'invite_issued', actor: act.actor })
  return code
}

/**
 * Local YubiKey mode: stores a key's secret for the user, who then enrolls it with a tap (which proves
 * they hold it). Audited.
 */
export async function importYubiKey(
  s: AdminParts,
  factor: YubicoOtpFactor,
  user: string,
  key: KeyMaterial & { name?: string },
  act: AdminAct,
): Promise<ImportResult> {
  const imported = await factor.importKey(user, key)
  if (imported.ok) {
    await s.history.record(user, act.origin, {
      event: 'admin',
      result: 'yubikey_imported',
      factor: 'yubico_otp',
      actor: act.actor,
    })
  }
  return imported
}

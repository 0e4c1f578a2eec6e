import type { Services } from '../services.ts'

/** What this file uses of the services. */
export type SkipParts = Pick<Services, 'config' | 'exemptUsers' | 'groups' | 'trustedDevices'>

/**
 * Whether a sign-in whose password was just accepted skips the second factor, and why: a service
 * account exempt by name or group (`enrollment.exempt_users`, `exempt_groups`), or a browser this user
 * trusted; null when the second factor is needed.
 */
export async function secondFactorSkip(
  s: SkipParts,
  user: string,
  deviceToken: string | undefined,
): Promise<'exempt' | 'trusted_device' | null> {
  if (s.exemptUsers.has(user)) return 'exempt'
  const exemptGroups = s.config.enrollment.exempt_groups
  if (exemptGroups.length > 0 && s.groups.groupsOf(user).some((group) => exemptGroups.includes(group))) {
    return 'exempt'
  }
  if (s.config.trusted_devices.enabled && (await s.trustedDevices.vouchesFor(user, deviceToken))) {
    return 'trusted_device'
  }
  return null
}

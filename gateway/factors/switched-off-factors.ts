import type { FactorSet } from './factor-kinds.ts'
import { type FactorId, factorIds } from './factor-kinds.ts'

/** The factor types an operator can turn off; an authenticator app is always on. */
export type SwitchableFactor = Exclude<FactorId, 'totp'>

/**
 * The factors the store holds for the user that this config cannot verify (`offered` lists the
 * ones it can): a type turned off (`factors.webauthn.enabled: false` …), or text messages
 * `factors.sms.allow` no longer allows them. Read from the store's own records whatever is enabled:
 * such a user has a factor, so a password alone must not enroll a new one (issue 14).
 */
export async function switchedOffFactors(
  s: FactorSet,
  user: string,
  offered: readonly FactorId[],
): Promise<SwitchableFactor[]> {
  const off = factorIds.filter((id): id is SwitchableFactor => !offered.includes(id))
  const counts = await Promise.all(off.map((id) => s.storedFactors[id].count(user)))
  return off.filter((_, at) => (counts[at] ?? 0) > 0)
}

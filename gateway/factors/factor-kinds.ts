import type { Store } from '../store/store.ts'
import type { UserGroups } from '../users/user-groups.ts'
import type { FactorKind, FactorLabels } from './factor-kind.ts'
import type { RecoveryCodes } from './recovery-codes.ts'
import type { SmsFactor } from './sms/sms-factor.ts'
import { textMessages } from './sms/text-messages-kind.ts'
import type { StoredFactor } from './stored-factor.ts'
import { authenticatorApp } from './totp/authenticator-app-kind.ts'
import type { TotpFactor } from './totp/totp-factor.ts'
import { securityKeys } from './webauthn/security-keys-kind.ts'
import type { WebAuthnFactor } from './webauthn/webauthn-factor.ts'
import type { YubicoOtpFactor } from './yubico-otp/yubico-otp-factor.ts'
import { yubiKeys } from './yubico-otp/yubikeys-kind.ts'

/**
 * The second factors tapgate verifies, by id, strongest first: the order the sign-in page offers
 * them in. A new factor is one line here (its kind in its own folder). Recovery codes are a backup
 * beside them, not a factor: they never count as a way in.
 */
const kinds = {
  webauthn: securityKeys,
  yubico_otp: yubiKeys,
  totp: authenticatorApp,
  sms: textMessages,
}

export type FactorId = keyof typeof kinds

/**
 * What the kinds read of the services: each factor as this config has it (null: turned off), every
 * type's stored records, and the groups. A new factor's service goes here and in services.ts.
 */
export interface FactorSet {
  webauthn: WebAuthnFactor | null
  yubicoOtp: YubicoOtpFactor | null
  totp: TotpFactor
  sms: SmsFactor | null
  recoveryCodes: RecoveryCodes
  storedFactors: Readonly<Record<FactorId, StoredFactor>>
  groups: UserGroups
}

/** What a user has of each factor: their keys, whether an app is set up, their phone. */
export type FactorHoldings = {
  [K in FactorId]: (typeof kinds)[K] extends FactorKind<infer Has> ? Has : never
}

/** Typed by id, so that code over any factor (`factorKinds[id].count(has[id])`) compiles. */
export const factorKinds: { readonly [K in FactorId]: FactorKind<FactorHoldings[K]> } = kinds

export const factorIds = Object.keys(kinds) as readonly FactorId[]

export function isFactorId(name: string): name is FactorId {
  return Object.hasOwn(kinds, name)
}

/** What can complete a second step: a factor, or a recovery code. */
export type Proof = FactorId | 'recovery_code'

/**
 * A passkey on tapgate's own sign-in page (`factors.webauthn.passwordless`): a security key that
 * verified its user stands for the password and the second factor at once. The history and the
 * lockout log name it apart from a key tapped after a password.
 */
export type PasskeySignIn = 'passkey'

/** How pages, the admin page and the CLI name each factor. */
export const factorLabels: Readonly<Record<FactorId, FactorLabels>> = mapFactors(
  (id) => factorKinds[id].labels,
)

/** Every factor's stored records, whatever is enabled: "no factor" and resets read them. */
export function storedFactors(store: Store): Readonly<Record<FactorId, StoredFactor>> {
  return mapFactors((id) => factorKinds[id].stored(store))
}

/** One value per factor id. */
export function mapFactors<T>(entry: (id: FactorId) => T): Record<FactorId, T> {
  return Object.fromEntries(factorIds.map((id) => [id, entry(id)])) as Record<FactorId, T>
}

import { type FactorKind, shownCount } from '../factor-kind.ts'
import type { WebAuthnCredentialRecord } from './records.ts'
import { StoredSecurityKeys } from './stored-keys.ts'

export const securityKeys: FactorKind<readonly WebAuthnCredentialRecord[]> = {
  labels: { one: 'security key', many: 'security keys', title: 'Security keys' },
  stored: (store) => new StoredSecurityKeys(store),
  offered: (s) => s.webauthn !== null,
  read: async (s, user) => (await s.webauthn?.credentialsOf(user)) ?? [],
  none: [],
  count: (keys) => keys.length,
  shown: (keys) => shownCount(keys.length),
}

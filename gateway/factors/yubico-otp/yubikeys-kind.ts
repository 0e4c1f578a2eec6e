import { type FactorKind, shownCount } from '../factor-kind.ts'
import { StoredYubiKeys, type YubicoOtpKeyRecord } from './stored-yubikeys.ts'

export const yubiKeys: FactorKind<readonly YubicoOtpKeyRecord[]> = {
  labels: { one: 'YubiKey', many: 'YubiKeys', title: 'YubiKeys' },
  stored: (store) => new StoredYubiKeys(store),
  offered: (s) => s.yubicoOtp !== null,
  read: async (s, user) => (await s.yubicoOtp?.keysOf(user)) ?? [],
  none: [],
  count: (keys) => keys.length,
  shown: (keys) => shownCount(keys.length),
}

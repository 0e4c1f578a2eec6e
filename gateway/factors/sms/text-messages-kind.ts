import type { FactorKind } from '../factor-kind.ts'
import { maskPhoneNumber } from './phone-number.ts'
import type { SmsPhone } from './sms-factor.ts'
import { StoredPhone } from './stored-phone.ts'

/** The number codes are texted to, offered only where `factors.sms.allow` allows the user. */
export const textMessages: FactorKind<SmsPhone | null> = {
  labels: { one: 'text message', many: 'text messages', title: 'Text messages' },
  stored: (store) => new StoredPhone(store),
  offered: (s, user) => s.sms?.allows(user, s.groups.groupsOf(user)) === true,
  read: async (s, user) => (await s.sms?.phoneOf(user)) ?? null,
  none: null,
  count: (phone) => (phone === null ? 0 : 1),
  shown: (phone) => (phone === null ? 'Off' : maskPhoneNumber(phone.number)),
}

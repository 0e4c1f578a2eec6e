import type { FactorKind } from '../factor-kind.ts'
import { storedAppSecret } from './totp-factor.ts'

/** Whether the user has an app set up: one secret at most, always offered. */
export const authenticatorApp: FactorKind<boolean> = {
  labels: { one: 'authenticator app', many: 'authenticator apps', title: 'Authenticator app' },
  stored: storedAppSecret,
  offered: () => true,
  read: async (s, user) => (await s.totp.secretOf(user)) !== null,
  none: false,
  count: (on) => (on ? 1 : 0),
  shown: (on) => (on ? 'On' : 'Off'),
}

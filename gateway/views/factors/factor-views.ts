import type { FactorId } from '../../factors/factor-kinds.ts'
import { authenticatorAppViews } from './authenticator-app.tsx'
import type { EnrollmentView } from './enrollment-view.ts'
import { securityKeyViews } from './security-keys.tsx'
import type { SignInView } from './sign-in-view.ts'
import { textMessageViews } from './text-messages.tsx'
import { yubiKeyViews } from './yubikeys.tsx'

/** A factor's part of tapgate's pages. */
export interface FactorViews {
  /** Its way to verify on the 2fa page. */
  signIn: SignInView
  /** Its way to set up a first factor on the enrollment page. */
  enrollment: EnrollmentView
}

/** Each factor's part of the pages: a new FactorId does not compile until it has its entry. */
export const factorViews: Readonly<Record<FactorId, FactorViews>> = {
  webauthn: securityKeyViews,
  yubico_otp: yubiKeyViews,
  totp: authenticatorAppViews,
  sms: textMessageViews,
}

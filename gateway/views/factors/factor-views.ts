import type { FactorId } from '../../factors/factor-kinds.ts'
import type { AccountView } from './account-view.ts'
import { authenticatorAppViews } from './authenticator-app.tsx'
import type { EnrollmentView } from './enrollment-view.ts'
import { securityKeyViews } from './security-keys.tsx'
import type { SignInView } from './sign-in-view.ts'
import { textMessageViews } from './text-messages.tsx'
import { yubiKeyViews } from './yubikeys.tsx'

/** A factor's part of tapgate's pages; `AccountData` is what its account section shows. */
export interface FactorViews<AccountData> {
  /** Its way to verify on the 2fa page. */
  signIn: SignInView
  /** Its way to set up a first factor on the enrollment page. */
  enrollment: EnrollmentView
  account: AccountView<AccountData>
}

/** Each factor's part of the pages: a new FactorId does not compile until it has its entry. */
const views = {
  webauthn: securityKeyViews,
  yubico_otp: yubiKeyViews,
  totp: authenticatorAppViews,
  sms: textMessageViews,
} satisfies Record<FactorId, unknown>

/** What each factor's account section shows of the user's factor. */
export type AccountData = {
  [K in FactorId]: (typeof views)[K] extends FactorViews<infer Data> ? Data : never
}

/** Typed by id, so that a page can render any factor's section with its own data. */
export const factorViews: { readonly [K in FactorId]: FactorViews<AccountData[K]> } = views

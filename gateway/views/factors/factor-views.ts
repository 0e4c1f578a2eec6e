import type { FactorId } from '../../factors/factor-kinds.ts'
import type { AccountView } from './account-view.ts'
import type { EnrollmentView } from './enrollment-view.ts'
import type { SignInView } from './sign-in-view.ts'

/** A factor's part of tapgate's pages; `AccountData` is what its account section shows. */
export interface FactorViews<AccountData> {
  /** Its way to verify on the 2fa page. */
  signIn: SignInView
  /** Its way to set up a first factor on the enrollment page. */
  enrollment: EnrollmentView
  account: AccountView<AccountData>
}

/**
 * Every factor's views, which the pages are given (routes/factors/factor-pages.ts lists them): the
 * pages themselves know no factor.
 */
export type FactorViewsTable<AccountData extends Record<FactorId, unknown>> = {
  readonly [K in FactorId]: FactorViews<AccountData[K]>
}

import type { Context, Hono } from 'hono'
import type { GatewayEnv } from '../../context.ts'
import type { EnrolledFactors } from '../../factors/enrolled-factors.ts'
import { type FactorId, mapFactors, type Proof } from '../../factors/factor-kinds.ts'
import type { Services } from '../../services.ts'
import type { FactorViews, FactorViewsTable } from '../../views/factors/factor-views.ts'
import type { SignInFormProps } from '../../views/factors/sign-in-view.ts'
import { authenticatorAppPages } from './authenticator-app.tsx'
import { securityKeyPages } from './security-keys.ts'
import { textMessagePages } from './text-messages.ts'
import { yubiKeyPages } from './yubikeys.tsx'

/** What the 2fa page shows again after a refusal: the way refused, and why. */
export interface ChallengeRefusal {
  shown?: Proof
  /** At the shown way's field. */
  error?: string | undefined
  /** A refused or failed step before the proof ("Send code"). */
  sendError?: string | undefined
}

/** Renders the 2fa page again with a refusal (routes/second-factor.tsx). */
export type RenderChallenge = (
  c: Context<GatewayEnv>,
  factors: EnrolledFactors,
  status: 400 | 401 | 429 | 503,
  refusal: ChallengeRefusal,
) => Promise<Response>

/** Renders the enrollment page again, the refused way's form on it (routes/enrollment.tsx). */
export type RenderEnrollment = (
  c: Context<GatewayEnv>,
  status: 400 | 401,
  refusal: { refused: FactorId; error: string },
) => Promise<Response>

/** Renders the account page again: a refusal in the banner, or at a factor's add form. */
export type RenderAccount = (
  c: Context<GatewayEnv>,
  status: 400,
  refusal: { error: string } | { refused: FactorId; error: string },
) => Promise<Response>

/** Why a removal was refused when it would leave the user no way in (factors/last-way-in.ts). */
export const lastWayIn = 'You cannot remove your only way to sign in. Add another method first.'

/** What a way to verify adds to its form on the 2fa page (views/factors/sign-in-view.ts). */
export type SignInExtras = Partial<Pick<SignInFormProps, 'sms'>>

/**
 * A factor's part of tapgate's pages: its views (views/factors/), and on the route side whether a
 * page offers it, what its forms need and where they post. `AccountData` is what its section of the
 * account page shows.
 */
export interface FactorPages<AccountData> {
  views: FactorViews<AccountData>
  signIn: {
    /** Whether the 2fa page offers it to the user, with what its form needs; null when not. */
    offer(s: Services, user: string, factors: EnrolledFactors): Promise<SignInExtras | null>
    /** Where its proofs are posted, under the 2fa page; the page itself is routes/second-factor.tsx. */
    routes?(s: Services, render: RenderChallenge): Hono<GatewayEnv>
  }
  enrollment: {
    /** Where its first factor is posted, under the enrollment page (routes/enrollment.tsx). */
    routes?(s: Services, render: RenderEnrollment): Hono<GatewayEnv>
  }
  account: {
    /** What its section shows; asked only when the config offers the factor to the user. */
    section(s: Services, factors: EnrolledFactors): AccountData
    /** Its changes under the account page (add, rename, remove), each behind a recent second factor. */
    routes?(s: Services, render: RenderAccount): Hono<GatewayEnv>
  }
}

/** Each factor's part of the pages: a new FactorId does not compile until it has its entry. */
const pages = {
  webauthn: securityKeyPages,
  yubico_otp: yubiKeyPages,
  totp: authenticatorAppPages,
  sms: textMessagePages,
} satisfies Record<FactorId, unknown>

/** What each factor's account section shows of the user's factor. */
export type AccountData = {
  [K in FactorId]: (typeof pages)[K] extends FactorPages<infer Data> ? Data : never
}

/** Typed by id, so that a route can render any factor's part with its own data. */
export const factorPages: { readonly [K in FactorId]: FactorPages<AccountData[K]> } = pages

/** The views of every factor, for the pages (which know no factor themselves). */
export const factorViews = mapFactors((id) => factorPages[id].views) as FactorViewsTable<AccountData>

/** The 2fa page offers the factor to every user who has a way in by it. */
export function offeredWhenSetUp(id: FactorId): FactorPages<unknown>['signIn']['offer'] {
  return async (_s, _user, factors) => (factors.ways[id] > 0 ? {} : null)
}

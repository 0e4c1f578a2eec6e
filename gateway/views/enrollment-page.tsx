import type { FactorId } from '../factors/factor-kinds.ts'
import type { TapgateUrls } from '../http/tapgate-urls.ts'
import type { AuthenticatorAppStepsProps } from './authenticator-app-steps.tsx'
import { DateTime } from './date-time.tsx'
import type { FactorViewsTable } from './factors/factor-views.ts'
import { layoutScript } from './factors/page-script.ts'
import { Layout } from './layout.tsx'

export interface EnrollmentPageProps extends Omit<AuthenticatorAppStepsProps, 'action' | 'submitLabel'> {
  urls: TapgateUrls
  /** Every factor's views (routes/factors/factor-pages.ts). */
  views: FactorViewsTable<Record<FactorId, unknown>>
  /** The factors offered to the user, strongest first (EnrolledFactors.offered). */
  methods: readonly FactorId[]
  /**
   * Present when the user may skip for now: `until` is when two-step verification becomes required
   * (`enrollment.grace_until`), null when it is optional.
   */
  skip?: { until: number | null } | undefined
  /** The way asked for (`?method=`); the strongest offered when absent or not offered. */
  shown?: FactorId | undefined
  /** The way whose form was just refused (`error` says why): shown whatever `shown` says. */
  refused?: FactorId | undefined
}

/**
 * Every way this page offers, as links that show it (`?method=`), the one on the page marked
 * `aria-current`: as the 2fa page's "Try another way", one way is set up at a time.
 */
function OtherWaysToSetUp({
  urls,
  views,
  methods,
  shown,
}: {
  urls: TapgateUrls
  views: EnrollmentPageProps['views']
  methods: readonly FactorId[]
  shown: FactorId
}) {
  if (methods.length < 2) return null
  return (
    <nav class="other-ways" aria-label="Ways to set up two-step verification">
      <h2 class="other-ways-title">Other ways to set up</h2>
      <ul class="other-ways-list">
        {methods.map((factor) =>
          factor === shown ? (
            <li>
              <a class="other-way other-way-current" href={urls.enroll.method(factor)} aria-current="page">
                <span>{views[factor].enrollment.setUp}</span>
                <span class="other-way-note">Shown above</span>
              </a>
            </li>
          ) : (
            <li>
              <a class="other-way" href={urls.enroll.method(factor)}>
                {views[factor].enrollment.setUp}
              </a>
            </li>
          ),
        )}
      </ul>
    </nav>
  )
}

/**
 * A user with no factor adds one, one way at a time: the strongest offered (security key, YubiKey,
 * authenticator app, text message), the one asked for (`?method=`), or the one whose form was just
 * refused, with "Other ways to set up" listing them all.
 */
export function EnrollmentPage({
  urls,
  views,
  methods,
  skip,
  shown: asked,
  refused,
  ...form
}: EnrollmentPageProps) {
  const recommended = methods[0] ?? 'totp'
  const shown = methods.find((factor) => factor === (refused ?? asked)) ?? recommended
  const view = views[shown].enrollment
  const badge = shown === recommended && methods.length > 1 ? 'Recommended' : undefined
  const error = shown === refused ? form.error : undefined
  return (
    <Layout urls={urls} title="Set up two-step verification" {...layoutScript(view.script, form.csrfToken)}>
      <h1 class="title">
        Set up <span class="nowrap">two-step</span> verification
      </h1>
      <p class="subtitle">
        Protect <strong class="account-name">{form.username}</strong> with {view.protectWith} each time you
        sign in. It takes about a minute.
      </p>
      {skip?.until ? (
        <p class="banner banner-warning" role="note">
          <span>
            Two-step verification becomes required on <DateTime at={skip.until} />. Until then you can skip
            this step.
          </span>
        </p>
      ) : null}
      {view.Form({ ...form, urls, badge, error })}
      <OtherWaysToSetUp urls={urls} views={views} methods={methods} shown={shown} />
      {skip ? (
        <form class="form skip-form" method="post" action={urls.enroll.skip}>
          <input type="hidden" name="csrf" value={form.csrfToken} />
          <button class="button button-secondary button-block" type="submit">
            Skip for now
          </button>
        </form>
      ) : null}
    </Layout>
  )
}

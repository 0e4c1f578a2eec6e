import type { FactorId, Proof } from '../factors/factor-kinds.ts'
import type { TapgateUrls } from '../http/tapgate-urls.ts'
import type { FactorViewsTable } from './factors/factor-views.ts'
import { layoutScript } from './factors/page-script.ts'
import type { SignInFormProps, SignInView } from './factors/sign-in-view.ts'
import { Layout } from './layout.tsx'
import type { SmsChallenge } from './sms-method.tsx'
import { TrustDeviceField } from './trust-device-field.tsx'
import { TypedCodeInput } from './typed-code-input.tsx'

export interface SecondFactorPageProps {
  urls: TapgateUrls
  /** Every factor's views (routes/factors/factor-pages.ts). */
  views: FactorViewsTable<Record<FactorId, unknown>>
  username: string
  csrfToken: string
  digits: number
  /** The ways this user can verify here, strongest first; a recovery code last (never for step-up). */
  methods: readonly Proof[]
  /** The one on the page (the strongest when absent); the others are under "Try another way". */
  shown?: Proof | undefined
  /** Why the shown method's last attempt was refused, at its field. */
  error?: string | undefined
  /** The text-message method's state, when it is one of `methods`. */
  sms?: SmsChallenge | null | undefined
  /** A refused or failed step before the proof ("Send code"), above the button that takes it. */
  sendError?: string | undefined
  /** `step_up`: a signed-in user confirms it is them before changing their sign-in methods. */
  purpose?: 'sign_in' | 'step_up'
  /** What the step-up is for, when it interrupted an action: "reset bob's second factors". */
  stepUpFor?: string | undefined
  /** "30 days": the shown method's form offers "Trust this device for 30 days"; null when off. */
  trustFor: string | null
}

/** A recovery code: for getting in when every factor is lost, never for a step-up. */
const recoveryCodeSignIn: SignInView = {
  otherWay: 'Use a recovery code',
  script: () => 'none',
  Form: ({ urls, csrfToken, error }) => (
    <form class="form recovery-form" method="post" action={urls.secondFactor.recovery}>
      <input type="hidden" name="csrf" value={csrfToken} />
      <div class={error ? 'field field-invalid' : 'field'}>
        <label class="label" for="recovery-code">
          Recovery code
        </label>
        <p class="hint" id="recovery-code-hint">
          One of the codes you saved when you set up two-step verification. Each works once.
        </p>
        <TypedCodeInput
          id="recovery-code"
          name="recovery_code"
          hintId="recovery-code-hint"
          error={error}
          autofocus={true}
          placeholder="XXXX-XXXX-XXXX"
          capitals
        />
      </div>
      <button class="button button-primary button-block" type="submit">
        Sign in with recovery code
      </button>
    </form>
  ),
}

/** Every way to verify the page can show. */
function signInView(views: SecondFactorPageProps['views'], proof: Proof): SignInView {
  return proof === 'recovery_code' ? recoveryCodeSignIn : views[proof].signIn
}

/** The user's other ways to verify, one link each, as Google's and Authelia's "Try another way". */
function OtherWays({
  urls,
  views,
  others,
}: {
  urls: TapgateUrls
  views: SecondFactorPageProps['views']
  others: readonly Proof[]
}) {
  if (others.length === 0) return null
  return (
    <nav class="other-ways" aria-labelledby="other-ways-title">
      <h2 class="other-ways-title" id="other-ways-title">
        Try another way
      </h2>
      <ul class="other-ways-list">
        {others.map((proof) => (
          <li>
            <a class="other-way" href={urls.secondFactor.method(proof)}>
              {signInView(views, proof).otherWay}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  )
}

function TroubleTips({ view, methods }: { view: SignInView; methods: readonly Proof[] }) {
  return (
    <details class="disclosure">
      <summary>{view.trouble ?? 'Trouble signing in?'}</summary>
      <ul class="disclosure-body">
        {view.tips ?? null}
        <li>
          Lost what you sign in with?{' '}
          {methods.includes('recovery_code') ? 'Use a recovery code, or contact' : 'Contact'} your hosting
          provider's support to reset two-step verification.
        </li>
      </ul>
    </details>
  )
}

/**
 * The second step for a user whose panel password was accepted, one method at a time: the strongest
 * the user has (security key, YubiKey, app, text message), or the one they chose, with "Try another
 * way" listing the rest. Each method's form carries its own "Trust this device" box, so the choice
 * goes with whichever method completes the sign-in.
 */
export function SecondFactorPage({
  urls,
  views,
  username,
  csrfToken,
  digits,
  methods,
  shown = methods[0] ?? 'recovery_code',
  error,
  sms,
  sendError,
  trustFor,
  purpose = 'sign_in',
  stepUpFor,
}: SecondFactorPageProps) {
  const stepUp = purpose === 'step_up'
  const title = stepUp ? "Confirm it's you" : "Verify it's you"
  const view = signInView(views, shown)
  const form: SignInFormProps = {
    urls,
    csrfToken,
    error,
    sendError,
    trustField: trustFor === null ? null : <TrustDeviceField trustFor={trustFor} />,
    digits,
    sms: sms ?? null,
  }
  return (
    <Layout urls={urls} title={title} {...layoutScript(view.script(form), csrfToken)}>
      <h1 class="title">{title}</h1>
      {stepUp && stepUpFor !== undefined ? (
        <p class="subtitle">Before you {stepUpFor}, verify it's you once more.</p>
      ) : stepUp ? (
        <p class="subtitle">
          Before you change how <strong class="account-name">{username}</strong> signs in, verify it's you
          once more.
        </p>
      ) : (
        <p class="subtitle">
          Signing in as <strong class="account-name">{username}</strong>
        </p>
      )}
      {view.Form(form)}
      <OtherWays urls={urls} views={views} others={methods.filter((proof) => proof !== shown)} />
      <TroubleTips view={view} methods={methods} />
      <p class="card-footer">
        {stepUp ? (
          <a class="link" href={urls.account.page}>
            Back to your account
          </a>
        ) : (
          <a class="link" href={urls.logout}>
            Use a different account
          </a>
        )}
      </p>
    </Layout>
  )
}

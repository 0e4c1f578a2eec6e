import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { Layout } from './layout.tsx'
import { TypedCodeInput } from './typed-code-input.tsx'

/**
 * Invite mode (`enrollment.first_enrollment: invite`): before a user's first factor can be set up,
 * the one-time enrollment code an administrator gave them, so a stolen password alone cannot enroll
 * a thief's phone.
 */
export function EnrollmentInvitePage({
  urls,
  username,
  csrfToken,
  error,
}: {
  urls: TapgateUrls
  username: string
  csrfToken: string
  error?: string | undefined
}) {
  return (
    <Layout urls={urls} title="Enter your enrollment code">
      <h1 class="title">Enter your enrollment code</h1>
      <p class="subtitle">
        To set up two-step verification for <strong class="account-name">{username}</strong>, enter the
        one-time code your administrator gave you.
      </p>
      <form class="form" method="post" action={urls.enroll.invite}>
        <input type="hidden" name="csrf" value={csrfToken} />
        <div class={error ? 'field field-invalid' : 'field'}>
          <label class="label" for="invite-code">
            Enrollment code
          </label>
          <p class="hint" id="invite-code-hint">
            12 letters and digits, for example 7K3M-Q9PA-2XRT. It works once and expires.
          </p>
          <TypedCodeInput
            id="invite-code"
            name="invite_code"
            hintId="invite-code-hint"
            error={error}
            autofocus
            capitals
          />
        </div>
        <button class="button button-primary button-block" type="submit">
          Continue
        </button>
      </form>
      <p class="card-footer">
        No code? Ask your hosting provider's support or your account's administrator for one.
      </p>
    </Layout>
  )
}

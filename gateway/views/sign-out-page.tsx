import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { Layout } from './layout.tsx'

export interface SignOutPageProps {
  urls: TapgateUrls
  csrfToken: string
}

/** GET confirmation for sign-out; the sign-out itself is a CSRF-protected POST. */
export function SignOutPage({ urls, csrfToken }: SignOutPageProps) {
  return (
    <Layout urls={urls} title="Sign out">
      <div class="notice notice-info">
        <span class="notice-icon">
          <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false">
            <path d="M10 4H6a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h4" />
            <path d="M14.5 7.5 19 12l-4.5 4.5M19 12H9" />
          </svg>
        </span>
        <h1 class="title">Sign out?</h1>
        <p class="notice-text">
          You will be signed out of the control panel on this device. To sign in again you need your password
          and your second step: your security key or a code from your authenticator app.
        </p>
        <form class="actions" method="post" action={urls.logout}>
          <input type="hidden" name="csrf" value={csrfToken} />
          <button class="button button-primary" type="submit">
            Sign out
          </button>
          <a class="button button-secondary" href="/">
            Cancel
          </a>
        </form>
      </div>
    </Layout>
  )
}

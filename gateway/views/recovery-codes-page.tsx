import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { CopyButton } from './copy-button.tsx'
import { Layout } from './layout.tsx'

/**
 * The user's new recovery codes, shown this once (only hashes are kept). Download, print and copy
 * (into a password manager, one code a line) keep a copy; the user must say they saved them before
 * going on, so nobody clicks past the only chance.
 */
export function FreshRecoveryCodesPage({
  urls,
  csrfToken,
  codes,
}: {
  urls: TapgateUrls
  csrfToken: string
  codes: readonly string[]
}) {
  return (
    <Layout urls={urls} title="Save your recovery codes" script>
      <h1 class="title">Save your recovery codes</h1>
      <p class="subtitle">
        If you lose your phone or security key, each of these codes lets you sign in once. Keep them somewhere
        safe, away from this computer: printed in a drawer, or in your password manager.
      </p>
      <ol class="recovery-codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <p class="hint recovery-note">This is the only time they are shown. Each code works once.</p>
      <div class="button-row no-print">
        <a class="button button-secondary" href={urls.recoveryCodes.download} download="recovery-codes.txt">
          Download (.txt)
        </a>
        <button class="button button-secondary" type="button" data-print hidden>
          Print
        </button>
        <CopyButton
          text={codes.join('\n')}
          statusId="codes-copied"
          done="Recovery codes copied to the clipboard."
        >
          Copy codes
        </CopyButton>
      </div>
      <form class="form no-print" method="post" action={urls.recoveryCodes.saved}>
        <input type="hidden" name="csrf" value={csrfToken} />
        <button class="button button-primary button-block" type="submit">
          I have saved my codes, continue
        </button>
      </form>
    </Layout>
  )
}

/** After signing in with a recovery code: how many are left, and a push to make a new set. */
export function RecoveryCodeUsedPage({
  urls,
  remaining,
  destination,
}: {
  urls: TapgateUrls
  remaining: number
  destination: string
}) {
  const left = remaining === 1 ? '1 recovery code' : `${remaining} recovery codes`
  return (
    <Layout urls={urls} title="You used a recovery code">
      <div class="notice notice-warning">
        <h1 class="title">You used a recovery code</h1>
        <p class="notice-text">
          You have {left} left. Now that you are back in, create a new set and, if you lost your phone or key,
          set up a new one on your account page.
        </p>
        <p class="actions">
          <a class="button button-primary" href={urls.account.page}>
            Go to my account
          </a>
          <a class="button button-secondary" href={destination}>
            Continue to the panel
          </a>
        </p>
      </div>
    </Layout>
  )
}

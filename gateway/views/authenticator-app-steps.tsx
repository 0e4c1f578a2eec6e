import { CodeField } from './code-field.tsx'
import { CopyButton } from './copy-button.tsx'

export interface AuthenticatorAppStepsProps {
  username: string
  csrfToken: string
  /** Trusted SVG markup from the `qrcode` package, inserted unescaped. */
  qrSvg: string
  /** Base32 secret, shown for manual entry. */
  secret: string
  /** The `otpauth://` URI the QR code holds: "Open in authenticator app" on a phone. */
  keyUri: string
  issuer: string
  digits: number
  period: number
  /** Where the confirmation code is posted. */
  action: string
  submitLabel: string
  /** A refused confirmation code, shown above the code field. */
  error?: string | undefined
}

/** The secret as an app takes it, whatever spacing it came with. */
function ungroupedSecret(secret: string): string {
  return secret.replace(/\s+/g, '')
}

/** Splits a base32 secret into blocks of 4 so it can be read and typed without losing place. */
function groupSecret(secret: string): string {
  return (ungroupedSecret(secret).match(/.{1,4}/g) ?? []).join(' ')
}

/**
 * Install, scan, confirm: setting up an authenticator app, at first enrollment or from the account page.
 * On a phone, which cannot scan its own screen, "Open in authenticator app" hands the app the key; the
 * key is also shown in blocks of 4 (a click selects all of it) with "Copy key", which copies it whole.
 */
export function AuthenticatorAppSteps({
  username,
  csrfToken,
  qrSvg,
  secret,
  keyUri,
  issuer,
  digits,
  period,
  action,
  submitLabel,
  error,
}: AuthenticatorAppStepsProps) {
  return (
    <ol class="steps">
      <li class="step">
        <h2 class="step-title">Install an authenticator app</h2>
        <p class="step-text">
          Use Google Authenticator, Microsoft Authenticator, Authy or any app that supports time-based codes.
          Get it free from the App Store or Google Play.
        </p>
      </li>
      <li class="step">
        <h2 class="step-title">Scan the QR code</h2>
        <p class="step-text">In the app, add a new account and choose to scan a QR code.</p>
        {/* Shown only on touch screens (web/app.css): on a computer the QR code is the way. */}
        <div class="app-link">
          <p class="step-text">Setting up on this phone? Let the app add the account for you.</p>
          <a class="button button-secondary button-block" href={keyUri}>
            Open in authenticator app
          </a>
        </div>
        <div
          class="qr"
          role="img"
          aria-label={`QR code for adding ${issuer} (${username}) to your authenticator app`}
          // qrSvg comes from the qrcode package, never from user input, so it is inserted unescaped.
          dangerouslySetInnerHTML={{ __html: qrSvg }}
        />
        <section class="manual" aria-labelledby="manual-title">
          <h3 class="manual-title" id="manual-title">
            Can't scan? Enter this key manually
          </h3>
          <dl class="manual-details">
            <dt>Account</dt>
            <dd>
              {issuer} ({username})
            </dd>
            <dt>Key</dt>
            <dd>
              <span class="secret-row">
                <code class="secret">{groupSecret(secret)}</code>
                <CopyButton
                  text={ungroupedSecret(secret)}
                  statusId="key-copied"
                  done="Key copied to the clipboard."
                  small
                >
                  Copy key
                </CopyButton>
              </span>
              <span class="manual-note">Spaces don't matter.</span>
            </dd>
            <dt>Type</dt>
            <dd>
              Time-based, {digits} digits, every {period} s
            </dd>
          </dl>
        </section>
      </li>
      <li class="step">
        {/* The step title doubles as the field label, so the step does not say the same thing twice. */}
        <h2 class="step-title">
          <label for="code">Enter the code to confirm</label>
        </h2>
        <p class="step-text" id="code-hint">
          Type the {digits}-digit code your app now shows for {issuer}.
        </p>
        <form class="form" method="post" action={action}>
          <input type="hidden" name="csrf" value={csrfToken} />
          <div class={error ? 'field field-invalid' : 'field'}>
            <CodeField digits={digits} error={error} autofocus={Boolean(error)} />
          </div>
          <button class="button button-primary button-block" type="submit">
            {submitLabel}
          </button>
        </form>
      </li>
    </ol>
  )
}

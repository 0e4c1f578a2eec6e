import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  type PublicKeyCredentialRequestOptionsJSON,
  startAuthentication,
} from '@simplewebauthn/browser'
import { type Answer, post } from './json-post.ts'

/**
 * "Sign in with a passkey" on tapgate's own sign-in page (factors.webauthn.passwordless), two ways:
 * the button (`data-passkey-sign-in`, with `data-endpoint`, `data-status`, optional `data-trust-field`
 * and `data-return-to`), and the username field's autofill (`autocomplete="username webauthn"`), a
 * conditional request (WebAuthn L3 §5.1.4, mediation "conditional") started as the page loads where
 * the browser supports it. The page carries the CSRF token in `<meta name="csrf-token">`.
 *
 * The server keeps one challenge per sign-in page, so the two never ask for options at once: the
 * button waits for the autofill's request, and starting it aborts the autofill's ceremony (the
 * library allows one at a time); the autofill starts again after the button's ceremony fails.
 */
/** What a person can do about a browser-side failure; the server words its own refusals. */
function explain(error: unknown): string {
  const name = error instanceof Error ? error.name : ''
  if (name === 'NotAllowedError' || name === 'AbortError') {
    return 'The request was cancelled or timed out. Try again, or sign in with your password.'
  }
  if (name === 'SecurityError') return 'Passkeys cannot be used on this address.'
  return 'The passkey could not be used. Try again, or sign in with your password.'
}

function wire(button: HTMLButtonElement, status: HTMLElement): void {
  const endpoint = button.dataset.endpoint ?? ''
  const trustField = button.dataset.trustField ? document.getElementById(button.dataset.trustField) : null
  const returnTo = button.dataset.returnTo
  /** The options request in flight, so that the next one waits for it. */
  let asking: Promise<unknown> = Promise.resolve()

  const show = (text: string, state: 'busy' | 'done' | 'error') => {
    status.textContent = text
    status.dataset.state = state
    button.disabled = state !== 'error'
  }

  function options(): Promise<Answer> {
    const request = asking.catch(() => undefined).then(() => post(`${endpoint}/options`, {}))
    asking = request
    return request
  }

  /** Sends the assertion; true when the browser is on its way to the panel. */
  async function finish(credential: unknown): Promise<boolean> {
    const trustDevice = trustField instanceof HTMLInputElement && trustField.checked
    const result = await post(endpoint, { response: credential, trustDevice, returnTo })
    if (!(result.ok && result.body.redirect)) {
      show(result.body.message ?? 'The passkey was not accepted.', 'error')
      return false
    }
    show('Verified. Continuing…', 'done')
    window.location.assign(result.body.redirect)
    return true
  }

  /** The username field's autofill: waits, unseen, until the user picks a passkey there. */
  async function offerInAutofill(): Promise<void> {
    if (!(await browserSupportsWebAuthnAutofill())) return
    const answer = await options()
    if (!answer.ok) return
    let credential: unknown
    try {
      credential = await startAuthentication({
        optionsJSON: answer.body as unknown as PublicKeyCredentialRequestOptionsJSON,
        useBrowserAutofill: true,
      })
    } catch {
      // Aborted by the button, or not offered after all: the button still works.
      return
    }
    show('Checking your passkey…', 'busy')
    if (!(await finish(credential))) void offerInAutofill().catch(() => undefined)
  }

  async function signIn(): Promise<void> {
    show('Waiting for your passkey…', 'busy')
    try {
      const answer = await options()
      if (!answer.ok) return show(answer.body.message ?? 'Passkeys are not available right now.', 'error')
      let credential: unknown
      try {
        credential = await startAuthentication({
          optionsJSON: answer.body as unknown as PublicKeyCredentialRequestOptionsJSON,
        })
      } catch (error) {
        show(explain(error), 'error')
        return void offerInAutofill().catch(() => undefined)
      }
      if (!(await finish(credential))) void offerInAutofill().catch(() => undefined)
    } catch {
      show('The connection failed. Check your network and try again.', 'error')
    }
  }

  button.addEventListener('click', () => void signIn())
  void offerInAutofill().catch(() => undefined)
}

for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-passkey-sign-in]')) {
  const status = document.getElementById(button.dataset.status ?? '')
  if (!status) continue
  if (!browserSupportsWebAuthn()) {
    button.disabled = true
    status.textContent = 'This browser cannot use passkeys. Sign in with your username and password.'
    continue
  }
  wire(button, status)
}

import {
  browserSupportsWebAuthn,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser'
import { type Answer, post } from './json-post.ts'

/**
 * The security-key ceremonies. A button carries
 * `data-webauthn="register" | "authenticate"`, the endpoint it talks to and the id of its status
 * region; the page carries the CSRF token in `<meta name="csrf-token">`. Every failure ends in a
 * message in the status region, never in a silent nothing.
 */
/** What a person can do about a browser-side failure; the server words its own refusals. */
function explain(error: unknown): string {
  const name = error instanceof Error ? error.name : ''
  if (name === 'NotAllowedError' || name === 'AbortError') {
    return 'The request was cancelled or timed out. Try again, and touch your key when it blinks.'
  }
  if (name === 'InvalidStateError') return 'This security key is already registered.'
  if (name === 'SecurityError') return 'Security keys cannot be used on this address.'
  return 'The security key could not be used. Try again, or use another way to sign in.'
}

function ceremony(kind: string | undefined, options: Answer['body']) {
  return kind === 'register'
    ? startRegistration({ optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON })
    : startAuthentication({ optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON })
}

async function run(button: HTMLButtonElement, status: HTMLElement): Promise<void> {
  const show = (text: string, state: 'busy' | 'done' | 'error') => {
    status.textContent = text
    status.dataset.state = state
    button.disabled = state !== 'error'
  }
  const endpoint = button.dataset.endpoint ?? ''
  const nameField = button.dataset.nameField ? document.getElementById(button.dataset.nameField) : null
  const trustField = button.dataset.trustField ? document.getElementById(button.dataset.trustField) : null
  show('Waiting for your security key…', 'busy')
  try {
    const options = await post(`${endpoint}/options`, {})
    if (!options.ok)
      return show(options.body.message ?? 'Security keys are not available right now.', 'error')
    let credential: unknown
    try {
      credential = await ceremony(button.dataset.webauthn, options.body)
    } catch (error) {
      return show(explain(error), 'error')
    }
    const name = nameField instanceof HTMLInputElement ? nameField.value : ''
    const trustDevice = trustField instanceof HTMLInputElement && trustField.checked
    const result = await post(endpoint, { response: credential, name, trustDevice })
    if (!(result.ok && result.body.redirect)) {
      return show(result.body.message ?? 'The security key was not accepted.', 'error')
    }
    show('Verified. Continuing…', 'done')
    window.location.assign(result.body.redirect)
  } catch {
    show('The connection failed. Check your network and try again.', 'error')
  }
}

for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-webauthn]')) {
  const status = document.getElementById(button.dataset.status ?? '')
  if (!status) continue
  if (!browserSupportsWebAuthn()) {
    button.disabled = true
    status.textContent = 'This browser cannot use security keys. Use another way to sign in.'
    continue
  }
  button.addEventListener('click', () => void run(button, status))
}

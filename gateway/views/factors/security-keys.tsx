import { FieldError } from '../field-error.tsx'
import { MethodHead } from '../method-head.tsx'
import { AddKeyFields, KeyIcon, KeyStatus, keyStatusId } from '../security-key.tsx'
import { trustFieldId } from '../trust-device-field.tsx'
import type { FactorViews } from './factor-views.ts'

/** A security key or passkey: the browser's ceremony, started by the page script. */
export const securityKeyViews: FactorViews = {
  signIn: {
    otherWay: 'Use your security key or passkey',
    tips: (
      <>
        <li>Plug the key in before you press the button; if it has a light, touch the key when it blinks.</li>
        <li>On a phone, hold an NFC key flat against the back of the phone until it is read.</li>
      </>
    ),
    script: () => 'with-token',
    Form: ({ urls, error, trustField }) => (
      <section class="method" aria-labelledby="key-title">
        <MethodHead icon={<KeyIcon />} titleId="key-title">
          Security key or passkey
        </MethodHead>
        <p class="method-text" id="key-hint">
          Touch your key or confirm with a passkey when your browser asks. It is the safest way to sign in:
          copycat sites cannot use it.
        </p>
        <FieldError id="key-error" error={error} />
        <button
          class="button button-primary button-block"
          type="button"
          data-webauthn="authenticate"
          data-endpoint={urls.securityKeys.authentication}
          data-status={keyStatusId}
          data-trust-field={trustField === null ? undefined : trustFieldId}
          aria-describedby="key-hint"
        >
          <KeyIcon />
          <span>Use security key</span>
        </button>
        <KeyStatus />
        {trustField}
      </section>
    ),
  },
  // The strongest way, so the one the page leads with where it is on.
  enrollment: {
    setUp: 'Use a security key or passkey',
    protectWith: 'a security key or passkey',
    script: 'with-token',
    Form: ({ urls, badge }) => (
      <section class="method enroll-method" id="security-key" aria-labelledby="security-key-title">
        <MethodHead icon={<KeyIcon />} titleId="security-key-title" badge={badge}>
          Use a security key or passkey
        </MethodHead>
        <p class="method-text">
          A USB or NFC key such as a YubiKey, or a passkey saved on this device. You tap it instead of typing
          a code, and it cannot be phished. You can add more keys later.
        </p>
        <AddKeyFields urls={urls} />
      </section>
    ),
  },
}

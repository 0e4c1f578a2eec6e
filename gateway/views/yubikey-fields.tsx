import { TypedCodeInput } from './typed-code-input.tsx'

/**
 * Adding a YubiKey that types a code, at enrollment and on the account page: an optional name, then the
 * field the key types into. The key presses Enter after its code, which submits the form.
 */
export function YubiKeyFields({ error }: { error?: string | undefined }) {
  return (
    <>
      <div class="field">
        <label class="label" for="yubikey-name">
          Name this YubiKey
        </label>
        <p class="hint" id="yubikey-name-hint">
          Optional. A name helps you tell your keys apart later.
        </p>
        <input
          class="input"
          id="yubikey-name"
          name="name"
          type="text"
          maxlength={64}
          autocomplete="off"
          placeholder="e.g. Office YubiKey"
          aria-describedby="yubikey-name-hint"
        />
      </div>
      <div class={error ? 'field field-invalid' : 'field'}>
        <label class="label" for="yubikey-otp">
          YubiKey
        </label>
        <p class="hint" id="yubikey-otp-hint">
          Click here, then touch the key's gold contact: it types its code.
        </p>
        <TypedCodeInput
          id="yubikey-otp"
          name="otp"
          hintId="yubikey-otp-hint"
          error={error}
          autofocus={error !== undefined}
        />
      </div>
    </>
  )
}

import { TypedCodeInput } from './typed-code-input.tsx'

/** Adding a YubiKey that types a code, at enrollment and on the account page: an optional name, then the tap. */
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
      <YubiKeyTapField error={error} autofocus={error !== undefined} />
    </>
  )
}

/** The field a YubiKey types its code into; the key's Enter after the code submits the form. */
export function YubiKeyTapField({ error, autofocus }: { error: string | undefined; autofocus: boolean }) {
  return (
    <div class={error ? 'field field-invalid' : 'field'}>
      <label class="label" for="yubikey-otp">
        YubiKey
      </label>
      <p class="hint" id="yubikey-otp-hint">
        Click here, then touch the gold disc or side of your YubiKey. It types the code and sends it.
      </p>
      <TypedCodeInput
        id="yubikey-otp"
        name="otp"
        hintId="yubikey-otp-hint"
        error={error}
        autofocus={autofocus}
      />
    </div>
  )
}

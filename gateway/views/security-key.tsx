import type { TapgateUrls } from '../http/tapgate-urls.ts'
/**
 * Pieces shared by every page that talks to a security key. The markup is a contract with
 * web/webauthn.ts: a button with `data-webauthn`, `data-endpoint` and `data-status` (plus
 * `data-name-field` when registering), a status region the script fills and marks with
 * `data-state="busy" | "error" | "done"`, and the CSRF token in the layout's meta tag.
 */

/** Fixed ids: a page offers at most one key ceremony, and the script finds its parts by id. */
export const keyStatusId = 'key-status'
const keyNameId = 'key-name'

/** Longest name the gateway stores for a key (gateway/factors/webauthn/webauthn-factor.ts refuses longer ones). */
export const keyNameMaxLength = 64

/** A plain key: the one picture people read as "security key", whether USB, NFC or a passkey. */
export function KeyIcon() {
  return (
    <svg class="key-icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
      <circle cx="8" cy="16" r="5.25" />
      <circle cx="8" cy="16" r="1.5" />
      <path d="m11.75 12.25 9-9M17.5 6.5l2.75 2.75M14.75 9.25l2 2" />
    </svg>
  )
}

/**
 * Where the script reports progress and failures. Present (empty) from the start: screen readers
 * only announce changes to live regions that already existed when the page loaded.
 */
export function KeyStatus() {
  return <p class="key-status" id={keyStatusId} role="status" aria-live="polite"></p>
}

/**
 * Name field, register button and status region for adding a key. Deliberately not a form: Enter in
 * a lone text field would submit it as a GET to the page itself; the script posts the name instead.
 */
export function AddKeyFields({ urls }: { urls: TapgateUrls }) {
  return (
    <div class="add-key">
      <div class="field">
        <label class="label" for={keyNameId}>
          Name this key
        </label>
        <p class="hint" id="key-name-hint">
          Optional. A name helps you tell your keys apart later.
        </p>
        <input
          class="input"
          id={keyNameId}
          type="text"
          placeholder="e.g. Blue YubiKey"
          maxlength={keyNameMaxLength}
          autocomplete="off"
          spellcheck={false}
          aria-describedby="key-name-hint"
        />
      </div>
      <button
        class="button button-primary button-block"
        type="button"
        data-webauthn="register"
        data-endpoint={urls.securityKeys.registration}
        data-status={keyStatusId}
        data-name-field={keyNameId}
      >
        <KeyIcon />
        <span>Add security key</span>
      </button>
      <KeyStatus />
    </div>
  )
}

import type { TapgateUrls } from '../../http/tapgate-urls.ts'
import { FieldError } from '../field-error.tsx'
import { MethodHead } from '../method-head.tsx'
import { AddKeyFields, KeyIcon, KeyStatus, keyNameMaxLength, keyStatusId } from '../security-key.tsx'
import { trustFieldId } from '../trust-device-field.tsx'
import { UsageDates } from '../usage-dates.tsx'
import type { FactorViews } from './factor-views.ts'

export interface AccountKey {
  /** Credential id, base64url; posted back to rename or remove the key. */
  id: string
  name: string
  /** The model's name from the FIDO metadata file ("YubiKey 5 Series"), when it lists the key's AAGUID. */
  model: string | null
  /** Milliseconds since the epoch. */
  createdAt: number
  lastUsedAt: number | null
}

const removeBlockedId = 'remove-blocked'

interface KeyRowProps {
  urls: TapgateUrls
  csrfToken: string
  credential: AccountKey
  /** Position in the list; element ids use it, since credential ids can be over a thousand characters. */
  index: number
  canRemove: boolean
}

function KeyRow({ urls, csrfToken, credential, index, canRemove }: KeyRowProps) {
  const renameId = `rename-${index}`
  return (
    <li class="key">
      <div class="key-summary">
        <span class="method-icon">
          <KeyIcon />
        </span>
        <div class="key-info">
          <h3 class="key-name">{credential.name}</h3>
          <p class="key-meta">
            {credential.model === null ? null : <span>{credential.model}</span>}
            <UsageDates addedAt={credential.createdAt} lastUsedAt={credential.lastUsedAt} />
          </p>
        </div>
      </div>
      <div class="key-actions">
        <form class="inline-form" method="post" action={urls.account.renameKey}>
          <input type="hidden" name="csrf" value={csrfToken} />
          <input type="hidden" name="id" value={credential.id} />
          {/* Visually the row already says which key this is; a screen reader jumping between
              fields does not, so the label carries the name. */}
          <label class="visually-hidden" for={renameId}>
            New name for {credential.name}
          </label>
          <input
            class="input input-small"
            id={renameId}
            name="name"
            type="text"
            placeholder="New name"
            maxlength={keyNameMaxLength}
            autocomplete="off"
            spellcheck={false}
            required
          />
          <button class="button button-secondary button-small" type="submit">
            Rename
          </button>
        </form>
        <form class="remove-form" method="post" action={urls.account.removeKey}>
          <input type="hidden" name="csrf" value={csrfToken} />
          <input type="hidden" name="id" value={credential.id} />
          <button
            class="button button-danger button-small"
            type="submit"
            disabled={!canRemove}
            aria-describedby={canRemove ? undefined : removeBlockedId}
          >
            Remove<span class="visually-hidden"> {credential.name}</span>
          </button>
        </form>
      </div>
    </li>
  )
}

/** A security key or passkey: the browser's ceremony, started by the page script. */
export const securityKeyViews: FactorViews<readonly AccountKey[]> = {
  signIn: {
    otherWay: 'Use your security key or passkey',
    trouble: 'Trouble using your security key?',
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
  // Each key renamed or removed in its row; the form to add one folded until asked for.
  account: {
    sectionId: 'security-keys',
    Section: ({ sectionId, urls, csrfToken, data: keys, canRemove }) => (
      <section class="section" id={sectionId} aria-labelledby="keys-title">
        <h2 class="section-title" id="keys-title">
          Security keys
        </h2>
        {keys.length === 0 ? (
          <p class="empty">No security keys yet. Add one to sign in with a tap instead of a code.</p>
        ) : (
          <ul class="key-list">
            {keys.map((credential, index) => (
              <KeyRow
                urls={urls}
                csrfToken={csrfToken}
                credential={credential}
                index={index}
                canRemove={canRemove}
              />
            ))}
          </ul>
        )}
        {keys.length > 0 && !canRemove ? (
          <p class="hint key-list-note" id={removeBlockedId}>
            You cannot remove your only way to sign in. Add another security key first.
          </p>
        ) : null}
        {/* Folded: no script needed to open it, and the key script finds its button inside. */}
        <details class="disclosure add-form">
          <summary>Add a security key</summary>
          <div class="add-form-body">
            <p class="hint">
              Insert a USB key such as a YubiKey, hold an NFC key to your phone, or use a passkey on this
              device. Keep a spare somewhere safe in case you lose one.
            </p>
            <AddKeyFields urls={urls} />
          </div>
        </details>
      </section>
    ),
  },
}

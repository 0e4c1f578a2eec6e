import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { UsageDates } from './usage-dates.tsx'
import { YubiKeyFields } from './yubikey-fields.tsx'

export interface AccountYubiKey {
  publicId: string
  name: string
  createdAt: number
  lastUsedAt: number | null
}

/**
 * YubiKeys in OTP mode on the account page: each removable, and a tap adds another. The add form is
 * folded until asked for, and open when it comes back with a refused tap (`addError`).
 */
export function YubiKeysSection({
  sectionId,
  urls,
  csrfToken,
  yubikeys,
  canRemove,
  addError,
}: {
  sectionId: string
  urls: TapgateUrls
  csrfToken: string
  yubikeys: readonly AccountYubiKey[]
  canRemove: boolean
  addError?: string | undefined
}) {
  return (
    <section class="section" id={sectionId} aria-labelledby="yubikeys-title">
      <h2 class="section-title" id="yubikeys-title">
        YubiKeys that type a code
      </h2>
      {yubikeys.length === 0 ? (
        <p class="hint">None yet.</p>
      ) : (
        <ul class="device-list">
          {yubikeys.map((key, index) => (
            <li class="device">
              <div class="device-info">
                <h3 class="device-name" id={`yubikey-${index}`}>
                  {key.name}
                </h3>
                <p class="key-meta">
                  <span>ID {key.publicId}</span>
                  <UsageDates addedAt={key.createdAt} lastUsedAt={key.lastUsedAt} />
                </p>
              </div>
              <form class="inline-form" method="post" action={urls.account.removeYubikey}>
                <input type="hidden" name="csrf" value={csrfToken} />
                <input type="hidden" name="id" value={key.publicId} />
                <button
                  class="button button-danger button-small"
                  type="submit"
                  disabled={!canRemove}
                  aria-describedby={`yubikey-${index}`}
                >
                  Remove
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
      <details class="disclosure add-form" open={addError !== undefined}>
        <summary>Add a YubiKey</summary>
        <form class="form add-form-body" method="post" action={urls.account.addYubikey}>
          <input type="hidden" name="csrf" value={csrfToken} />
          <YubiKeyFields error={addError} />
          <button class="button button-secondary button-small" type="submit">
            Add YubiKey
          </button>
        </form>
      </details>
    </section>
  )
}

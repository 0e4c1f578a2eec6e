import type { FactorId } from '../factors/factor-kinds.ts'
import type { FactorStanding } from '../factors/factor-standing.ts'
import type { Page } from '../history/page-of.ts'
import type { HistoryRow } from '../history/sign-in-rows.ts'
import type { TapgateUrls } from '../http/tapgate-urls.ts'
import {
  type AccountDevice,
  type AccountHistoryEntry,
  HistorySection,
  historyPageHref,
  TrustedDevicesSection,
} from './account-activity.tsx'
import { type AccountSms, SmsSection } from './account-sms.tsx'
import { AccountSummary, accountSectionIds, runningLowOnCodes } from './account-summary.tsx'
import { type AccountYubiKey, YubiKeysSection } from './account-yubikeys.tsx'
import { Banners } from './banners.tsx'
import { FactorActions } from './factor-actions.tsx'
import { Layout } from './layout.tsx'
import { AddKeyFields, KeyIcon, keyNameMaxLength } from './security-key.tsx'
import { UsageDates } from './usage-dates.tsx'

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

export interface AccountPageProps {
  urls: TapgateUrls
  username: string
  csrfToken: string
  /** What the user has of each factor offered to them: the summary at the top. */
  factors: readonly FactorStanding[]
  hasTotp: boolean
  keys: AccountKey[]
  /** Unused recovery codes; null when the user never had a set. */
  recoveryCodesLeft: number | null
  devices: readonly AccountDevice[]
  /** YubiKeys in OTP mode; null when the factor is off. */
  yubikeys?: readonly AccountYubiKey[] | null
  /** Text messages; null when they are off or not allowed for the user. */
  sms?: AccountSms | null
  /** One page of the history, a completed sign-in per row (history/sign-in-rows.ts). */
  history: Page<HistoryRow<AccountHistoryEntry>>
  /** Per factor, false when removing one would leave the user no way to pass the second step. */
  removable: Record<FactorId, boolean>
  /** The outcome of the last change ("Key renamed."), announced politely. */
  notice?: string
  /** A change that was refused, announced at once. */
  error?: string
  /** A refused YubiKey tap: shown at the field, its folded form open. */
  addYubikeyError?: string
}

const removeBlockedId = 'remove-blocked'

function appHint(hasTotp: boolean, keyCount: number): string {
  if (!hasTotp && keyCount === 0) return 'Not set up. Set up an app, or add a key below.'
  if (!hasTotp) return 'Not set up. You sign in with your keys only, so keep a spare one.'
  if (keyCount === 0) return 'You sign in with codes from an app such as Google Authenticator.'
  return 'Codes from an app such as Google Authenticator, for when your key is not to hand.'
}

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

function recoveryHint(left: number | null): string {
  if (left === null) return 'Codes that each let you in once if you lose your phone and your keys.'
  if (left === 0) return 'You have used all your codes. Create a new set now, or you may be locked out.'
  if (runningLowOnCodes(left)) return 'You are running out of codes. Create a new set and keep it safe.'
  return 'Each code lets you in once if you lose your phone and your keys. Keep them somewhere safe.'
}

function RecoveryCodesSection({
  urls,
  csrfToken,
  left,
}: {
  urls: TapgateUrls
  csrfToken: string
  left: number | null
}) {
  const low = runningLowOnCodes(left)
  return (
    <section class="section" id={accountSectionIds.recoveryCodes} aria-labelledby="recovery-title">
      <h2 class="section-title section-title-status" id="recovery-title">
        Recovery codes<span class="visually-hidden">:</span>{' '}
        <span class={low ? 'pill pill-warn' : left === null ? 'pill' : 'pill pill-on'}>
          {left === null ? 'None' : `${left} left`}
        </span>
      </h2>
      <p class="hint" id="recovery-hint">
        {recoveryHint(left)}
      </p>
      <form class="inline-form section-action" method="post" action={urls.account.newRecoveryCodes}>
        <input type="hidden" name="csrf" value={csrfToken} />
        <button
          class={`button ${low ? 'button-primary' : 'button-secondary'} button-small`}
          type="submit"
          aria-describedby="recovery-hint"
        >
          {left === null ? 'Create recovery codes' : 'Create new codes'}
        </button>
      </form>
      {left === null ? null : <p class="hint">Creating new codes stops the old ones from working.</p>}
    </section>
  )
}

/**
 * The signed-in user's own sign-in security: a summary first, then each way in (forms to add one
 * folded until asked for), recovery codes, trusted devices and a page of their history.
 */
export function AccountPage({
  urls,
  username,
  csrfToken,
  factors,
  hasTotp,
  keys,
  recoveryCodesLeft,
  devices,
  history,
  yubikeys = null,
  sms = null,
  removable,
  notice,
  error,
  addYubikeyError,
}: AccountPageProps) {
  return (
    <Layout urls={urls} title="Your account" csrfToken={csrfToken} script={true}>
      <div class="account">
        <h1 class="title">Sign-in security</h1>
        <p class="subtitle">
          How <strong class="account-name">{username}</strong> proves it's really you after the password.
        </p>
        <Banners notice={notice} error={error} />

        <AccountSummary factors={factors} recoveryCodesLeft={recoveryCodesLeft} devices={devices.length} />

        <section class="section" id={accountSectionIds.webauthn} aria-labelledby="keys-title">
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
                  canRemove={removable.webauthn}
                />
              ))}
            </ul>
          )}
          {keys.length > 0 && !removable.webauthn ? (
            <p class="hint key-list-note" id={removeBlockedId}>
              You cannot remove your only way to sign in.
              {hasTotp ? null : ' Add another security key first.'}
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

        {yubikeys === null ? null : (
          <YubiKeysSection
            urls={urls}
            csrfToken={csrfToken}
            yubikeys={yubikeys}
            canRemove={removable.yubico_otp}
            addError={addYubikeyError}
          />
        )}

        <section class="section" id={accountSectionIds.totp} aria-labelledby="app-title">
          {/* One line, so that heading navigation alone tells a screen reader user the state. */}
          <h2 class="section-title section-title-status" id="app-title">
            Authenticator app<span class="visually-hidden">:</span>{' '}
            <span class={hasTotp ? 'pill pill-on' : 'pill'}>{hasTotp ? 'On' : 'Off'}</span>
          </h2>
          <p class="hint">{appHint(hasTotp, keys.length + (yubikeys?.length ?? 0))}</p>
          <FactorActions
            change={{
              href: urls.account.app,
              label: hasTotp ? 'Move to a new phone' : 'Set up an app',
            }}
            removeAction={hasTotp ? urls.account.removeApp : null}
            csrfToken={csrfToken}
            canRemove={removable.totp}
            titleId="app-title"
          />
        </section>

        {sms === null ? null : (
          <SmsSection urls={urls} csrfToken={csrfToken} sms={sms} canRemove={removable.sms} />
        )}

        <RecoveryCodesSection urls={urls} csrfToken={csrfToken} left={recoveryCodesLeft} />

        <TrustedDevicesSection urls={urls} csrfToken={csrfToken} devices={devices} />

        <HistorySection history={history} pageHref={historyPageHref(urls.account.page)} />

        <p class="card-footer card-footer-split">
          <a class="link" href="/">
            Back to the panel
          </a>
          <a class="link" href={urls.logout}>
            Sign out
          </a>
        </p>
      </div>
    </Layout>
  )
}

import type { FactorStanding } from '../factors/factor-standing.ts'
import type { Page } from '../history/page-of.ts'
import type { HistoryRow } from '../history/sign-in-rows.ts'
import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { type AccountHistoryEntry, HistorySection, historyPageHref } from './account-activity.tsx'
import { Banners } from './banners.tsx'
import { DateTime } from './date-time.tsx'
import { Layout } from './layout.tsx'
import { UsageDates } from './usage-dates.tsx'

/** Longest reason an admin may give; it is stored in the user's history with every entry. */
export const reasonMaxLength = 500

export interface AdminSearchPageProps {
  urls: TapgateUrls
  csrfToken: string
  query: string
  users: readonly string[]
  /** More users matched than are listed. */
  truncated: boolean
  /** Address blocks locked out for everyone (password spraying), soonest to end first. */
  lockedAddresses: readonly { block: string; until: number }[]
  notice?: string | undefined
}

function AdminFooter({ urls, backToSearch }: { urls: TapgateUrls; backToSearch: boolean }) {
  return (
    <p class="card-footer card-footer-split">
      {backToSearch ? (
        <a class="link" href={urls.admin.page}>
          All users
        </a>
      ) : (
        <a class="link" href="/">
          Back to the panel
        </a>
      )}
      <a class="link" href={urls.account.page}>
        Your own sign-in security
      </a>
    </p>
  )
}

/** `<prefix>/admin`: the users who have passed the password step, searchable by name. */
export function AdminSearchPage(props: AdminSearchPageProps) {
  const { urls, query, users, truncated, notice } = props
  // The script shows the times in the browser's own zone (web/local-times.ts).
  return (
    <Layout urls={urls} title="Users" script={true}>
      <div class="admin">
        <h1 class="title">Users</h1>
        <p class="subtitle">
          Everyone who has signed in with their password. Open a user to see their sign-in methods and
          activity, reset their second factors or lift a lockout.
        </p>
        <Banners notice={notice} />
        <search>
          <form class="admin-search" method="get" action={urls.admin.page}>
            <label class="visually-hidden" for="q">
              Search users
            </label>
            <input
              class="input input-small"
              id="q"
              name="q"
              type="search"
              value={query}
              placeholder="Name contains…"
              autocomplete="off"
              spellcheck={false}
            />
            <button class="button button-secondary button-small" type="submit">
              Search
            </button>
          </form>
        </search>
        {users.length === 0 ? (
          <p class="empty">{query === '' ? 'No one has signed in yet.' : 'No user matches that search.'}</p>
        ) : (
          <ul class="admin-user-list">
            {users.map((user) => (
              <li>
                <a class="link" href={urls.admin.user(user)}>
                  {user}
                </a>
              </li>
            ))}
          </ul>
        )}
        {truncated ? (
          <p class="hint admin-note">Only the first {users.length} matches are listed. Narrow the search.</p>
        ) : null}
        <LockedAddressesSection {...props} />
        <AdminFooter urls={urls} backToSearch={false} />
      </div>
    </Layout>
  )
}

/** Addresses locked for every user; each can be lifted (for IPv6, its whole /64). */
function LockedAddressesSection({ urls, csrfToken, lockedAddresses }: AdminSearchPageProps) {
  return (
    <section class="section" aria-labelledby="addresses-title">
      <h2 class="section-title" id="addresses-title">
        Locked addresses
      </h2>
      {lockedAddresses.length === 0 ? (
        <p class="hint">No address is locked out.</p>
      ) : (
        <>
          <p class="hint">
            Too many failed sign-ins from these addresses, for any users: sign-in from them is paused, except
            in browsers a user trusted. Lift one once you know who was behind it (an office sharing one
            address, for example).
          </p>
          <ul class="key-list">
            {lockedAddresses.map(({ block, until }) => (
              <li class="key admin-lock">
                <div>
                  <h3 class="key-name">{block}</h3>
                  <p class="key-meta">
                    Until <DateTime at={until} withTime />
                  </p>
                </div>
                <form method="post" action={urls.admin.unlockAddress}>
                  <input type="hidden" name="csrf" value={csrfToken} />
                  <input type="hidden" name="address" value={block.replace('::/64', '::')} />
                  <button class="button button-secondary button-small" type="submit">
                    Lift<span class="visually-hidden"> the lockout of {block}</span>
                  </button>
                </form>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}

export interface AdminKey {
  name: string
  /** The model's name from the FIDO metadata file, when it lists the key. */
  model: string | null
  createdAt: number
  lastUsedAt: number | null
}

export interface AdminUserPageProps {
  urls: TapgateUrls
  csrfToken: string
  user: string
  /** What they have of each factor offered here (factors/factor-standing.ts). */
  factors: readonly FactorStanding[]
  /** Their security keys, listed under the factors. */
  keys: readonly AdminKey[]
  recoveryCodesLeft: number | null
  /** No factor at all: their next sign-in enrolls one. */
  noFactor: boolean
  /** When the user's own lockout ends; null when they are not locked out. */
  lockedUntil: number | null
  /** Addresses the user is locked out from (after too many failures from there), until when. */
  lockedAddresses: readonly { block: string; until: number }[]
  /** Factor types the user has that are turned off here, as words ("security keys"). */
  switchedOff: readonly string[]
  /** `enrollment.first_enrollment` is `invite`: the page offers enrollment codes. */
  inviteMode: boolean
  /** When the user's outstanding enrollment code expires; null when there is none. */
  inviteExpiresAt: number | null
  /** A code just issued, shown on this response only. */
  issuedCode?: string | undefined
  /** One page of their history, a completed sign-in per row (history/sign-in-rows.ts). */
  history: Page<HistoryRow<AccountHistoryEntry>>
  notice?: string | undefined
  error?: string | undefined
  /** The action a step-up interrupted: its form comes back ready to send, the reason as typed. */
  resumed?: { action: string; label: string; reason?: string | undefined } | undefined
}

/** The reason typed before a step-up, for the form that posts to `action`; empty for any other form. */
function resumedReason(props: AdminUserPageProps, action: string): string {
  return props.resumed?.action === action ? (props.resumed.reason ?? '') : ''
}

function FactorsSection({ factors, keys, recoveryCodesLeft, noFactor, switchedOff }: AdminUserPageProps) {
  return (
    <section class="section" aria-labelledby="factors-title">
      <h2 class="section-title" id="factors-title">
        Sign-in methods
      </h2>
      <dl class="admin-facts">
        {factors.map(({ title, shown, on }) => (
          <>
            <dt>{title}</dt>
            <dd>
              <span class={on ? 'pill pill-on' : 'pill'}>{shown}</span>
            </dd>
          </>
        ))}
        <dt>Recovery codes</dt>
        <dd>
          <span class="pill">{recoveryCodesLeft === null ? 'None' : `${recoveryCodesLeft} left`}</span>
        </dd>
      </dl>
      {keys.length === 0 ? null : (
        <ul class="key-list">
          {keys.map((key) => (
            <li class="key">
              <h3 class="key-name">{key.name}</h3>
              <p class="key-meta">
                {key.model === null ? null : <span>{key.model}</span>}
                <UsageDates addedAt={key.createdAt} lastUsedAt={key.lastUsedAt} />
              </p>
            </li>
          ))}
        </ul>
      )}
      {noFactor ? (
        <p class="hint admin-note">No second factor: their next sign-in asks them to set one up.</p>
      ) : null}
      {switchedOff.length === 0 ? null : (
        <p class="hint admin-note">
          They also have {switchedOff.join(' and ')}, turned off here: they cannot sign in with those. Reset
          their second factors if they should set up one that is on.
        </p>
      )}
    </section>
  )
}

/** An admin action whose reason may be left out: the reason as typed before a step-up comes back. */
function OptionalReasonForm(
  props: AdminUserPageProps & {
    action: string
    id: string
    describedBy?: string
    submit: string
    primary?: boolean
  },
) {
  const { csrfToken, resumed, action, id, describedBy, submit, primary = false } = props
  return (
    <form class="admin-form" method="post" action={action}>
      <input type="hidden" name="csrf" value={csrfToken} />
      <div class="field">
        <label class="label" for={id}>
          Reason <span class="hint">(optional)</span>
        </label>
        <input
          class="input input-small"
          id={id}
          name="reason"
          type="text"
          maxlength={reasonMaxLength}
          autocomplete="off"
          aria-describedby={describedBy}
          value={resumedReason(props, action)}
        />
      </div>
      <button
        class={`button ${primary ? 'button-primary' : 'button-secondary'} button-small`}
        type="submit"
        autofocus={resumed?.action === action}
      >
        {submit}
      </button>
    </form>
  )
}

function LockoutSection(props: AdminUserPageProps) {
  const { urls, user, lockedUntil, lockedAddresses } = props
  const action = urls.admin.unlockUser(user)
  const locked = lockedUntil !== null || lockedAddresses.length > 0
  return (
    <section class="section" aria-labelledby="lockout-title">
      <h2 class="section-title section-title-status" id="lockout-title">
        Lockout<span class="visually-hidden">:</span>{' '}
        <span class={locked ? 'pill pill-warn' : 'pill'}>{locked ? 'Locked out' : 'Not locked out'}</span>
      </h2>
      {!locked ? (
        <p class="hint">Sign-in is not paused for this user.</p>
      ) : (
        <>
          {lockedUntil === null ? null : (
            <p class="hint">
              Too many failed attempts from many addresses: until <DateTime at={lockedUntil} withTime />{' '}
              sign-in is paused from every address that failed for them. Their trusted browsers, and addresses
              with no failure, still get through.
            </p>
          )}
          {lockedAddresses.length === 0 ? null : (
            <ul class="admin-lock-list">
              {lockedAddresses.map(({ block, until }) => (
                <li>
                  Too many failed attempts from <code>{block}</code>: paused there until{' '}
                  <DateTime at={until} withTime />.
                </li>
              ))}
            </ul>
          )}
          <p class="hint">Lift it once you know the attempts were theirs.</p>
          <OptionalReasonForm {...props} action={action} id="unlock-reason" submit="Lift lockout" primary />
        </>
      )}
    </section>
  )
}

/** Ends their sessions and forgets their trusted browsers; their factors stay. */
function SignOutSection(props: AdminUserPageProps) {
  const { urls, user } = props
  const action = urls.admin.signOutUser(user)
  return (
    <section class="section" aria-labelledby="sign-out-title">
      <h2 class="section-title" id="sign-out-title">
        Sign out everywhere
      </h2>
      <p class="hint" id="sign-out-hint">
        For a lost laptop or a shared browser: ends every session of this user and forgets their trusted
        browsers. Their sign-in methods stay; every browser asks for them again.
      </p>
      <OptionalReasonForm
        {...props}
        action={action}
        id="sign-out-reason"
        describedBy="sign-out-hint"
        submit="Sign out everywhere"
      />
    </section>
  )
}

function ResetSection(props: AdminUserPageProps) {
  const { urls, csrfToken, user, inviteMode, error, resumed } = props
  const action = urls.admin.resetUser(user)
  return (
    <section class="section" aria-labelledby="reset-title">
      <h2 class="section-title" id="reset-title">
        Reset second factors
      </h2>
      <p class="hint" id="reset-hint">
        For a user who lost their phone and keys: removes their authenticator app, security keys and recovery
        codes, signs them out everywhere and forgets their trusted devices. Their next sign-in sets up a
        factor afresh{inviteMode ? ', with an enrollment code you issue them' : ''}.
      </p>
      <form class="admin-form" method="post" action={action}>
        <input type="hidden" name="csrf" value={csrfToken} />
        <div class={error ? 'field field-invalid' : 'field'}>
          <label class="label" for="reset-reason">
            Reason
          </label>
          <textarea
            class="input admin-reason"
            id="reset-reason"
            name="reason"
            rows={3}
            maxlength={reasonMaxLength}
            required
            aria-describedby="reset-hint"
          >
            {resumedReason(props, action)}
          </textarea>
        </div>
        <button
          class="button button-danger button-small"
          type="submit"
          autofocus={resumed?.action === action}
        >
          Reset second factors
        </button>
      </form>
    </section>
  )
}

function InviteSection({ urls, csrfToken, user, inviteExpiresAt, issuedCode, resumed }: AdminUserPageProps) {
  const action = urls.admin.inviteUser(user)
  return (
    <section class="section" aria-labelledby="invite-title">
      <h2 class="section-title" id="invite-title">
        Enrollment code
      </h2>
      {issuedCode === undefined ? null : (
        <div class="admin-invite" role="status">
          <p>
            Give this code to <strong class="account-name">{user}</strong>. It is shown only now and works
            once.
          </p>
          <p class="admin-invite-code">
            <code>{issuedCode}</code>
          </p>
        </div>
      )}
      <p class="hint">
        {inviteExpiresAt === null ? (
          'A user without a second factor needs a one-time code from you to set one up.'
        ) : (
          <>
            A code is outstanding until <DateTime at={inviteExpiresAt} withTime />. A new code replaces it.
          </>
        )}
      </p>
      <form class="admin-form" method="post" action={action}>
        <input type="hidden" name="csrf" value={csrfToken} />
        <button
          class="button button-secondary button-small"
          type="submit"
          autofocus={resumed?.action === action}
        >
          {inviteExpiresAt === null ? 'Issue enrollment code' : 'Issue a new code'}
        </button>
      </form>
    </section>
  )
}

/** `<prefix>/admin/users/<user>`: one user's factors, lockout and activity, and what an admin can do. */
export function AdminUserPage(props: AdminUserPageProps) {
  const { urls, user, inviteMode, history, error, resumed } = props
  const notice =
    resumed === undefined ? props.notice : `You were about to ${resumed.label}: it is below, ready to send.`
  return (
    <Layout urls={urls} title={`User ${user}`} script={true}>
      <div class="admin">
        <h1 class="title">
          <span class="account-name">{user}</span>
        </h1>
        <p class="subtitle">Sign-in methods, lockout and recent activity of this user.</p>
        <Banners notice={notice} error={error} />
        <FactorsSection {...props} />
        <LockoutSection {...props} />
        <SignOutSection {...props} />
        <ResetSection {...props} />
        {inviteMode ? <InviteSection {...props} /> : null}
        <HistorySection
          history={history}
          pageHref={historyPageHref(urls.admin.user(user))}
          title="Activity"
          byWhom
        />
        <AdminFooter urls={urls} backToSearch={true} />
      </div>
    </Layout>
  )
}

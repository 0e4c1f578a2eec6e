import type { FactorId, Proof } from '../factors/factor-kinds.ts'

/** What the account page says after a change; the query carries only the code, never the text. */
export const accountNotices = {
  key_added: 'Security key added.',
  key_renamed: 'Security key renamed.',
  key_removed: 'Security key removed.',
  codes_created: 'New recovery codes created. The old ones no longer work.',
  app_added: 'Authenticator app turned on.',
  app_replaced: 'New authenticator app turned on. Codes from the old one no longer work.',
  app_removed: 'Authenticator app removed.',
  yubikey_added: 'YubiKey added.',
  yubikey_removed: 'YubiKey removed.',
  sms_added: 'Text messages turned on.',
  sms_replaced: 'Phone number changed. Codes now go to the new number.',
  sms_removed: 'Text messages turned off.',
  device_revoked: 'That device will ask for the second step again.',
  devices_revoked: 'Every trusted device will ask for the second step again.',
} as const

export type AccountNotice = keyof typeof accountNotices

/** What the admin pages may say after an action. */
export type AdminNotice = 'reset' | 'signed_out' | 'unlocked' | 'address_unlocked'

/**
 * Every address of tapgate's own pages and actions, under `prefix`: links, form actions, redirects
 * and script endpoints all come from here, so a page is renamed in one place. The routes that
 * answer them are mounted in app.ts; test/unit/http/tapgate-urls.test.ts checks each one is.
 */
export function tapgateUrls(prefix: string) {
  const under = (path: string) => `${prefix}${path}`
  const account = under('/account')
  const admin = under('/admin')
  const user = (name: string) => `${admin}/users/${encodeURIComponent(name)}`
  return {
    prefix,
    stylesheet: under('/assets/app.css'),
    script: under('/assets/app.js'),
    favicon: under('/assets/favicon.svg'),
    /** Served only with `ui.logo` and `ui.accent` set. */
    logo: under('/assets/logo'),
    accentStylesheet: under('/assets/accent.css'),
    /** The look of the link `ui.account_link: inject` adds to the panel's pages. */
    accountLinkStylesheet: under('/assets/account-link.css'),
    login: under('/login'),
    /** "Sign in with a passkey" on the sign-in page (factors.webauthn.passwordless); its options under /options. */
    passkeySignIn: under('/login/passkey'),
    logout: under('/logout'),
    verify: under('/verify'),
    secondFactor: {
      page: under('/2fa'),
      /** The 2fa page showing this way to verify ("Try another way"). */
      method: (proof: Proof) => `${prefix}/2fa?method=${proof}`,
      yubikey: under('/2fa/yubikey'),
      recovery: under('/2fa/recovery'),
      sms: under('/2fa/sms'),
      smsSend: under('/2fa/sms/send'),
    },
    securityKeys: {
      registration: under('/webauthn/registration'),
      authentication: under('/webauthn/authentication'),
    },
    enroll: {
      page: under('/enroll'),
      /** The enrollment page setting up this factor ("Other ways to set up"). */
      method: (factor: FactorId) => `${prefix}/enroll?method=${factor}`,
      yubikey: under('/enroll/yubikey'),
      sms: under('/enroll/sms'),
      smsSend: under('/enroll/sms/send'),
      skip: under('/enroll/skip'),
      invite: under('/enroll/invite'),
    },
    recoveryCodes: {
      page: under('/recovery-codes'),
      download: under('/recovery-codes/download'),
      saved: under('/recovery-codes/saved'),
    },
    account: {
      page: account,
      notice: (notice: AccountNotice) => `${account}?notice=${notice}`,
      app: `${account}/app`,
      removeApp: `${account}/app/remove`,
      sms: `${account}/sms`,
      smsSend: `${account}/sms/send`,
      removeSms: `${account}/sms/remove`,
      renameKey: `${account}/keys/rename`,
      removeKey: `${account}/keys/remove`,
      addYubikey: `${account}/yubikeys/add`,
      removeYubikey: `${account}/yubikeys/remove`,
      revokeDevice: `${account}/devices/revoke`,
      revokeAllDevices: `${account}/devices/revoke-all`,
      newRecoveryCodes: `${account}/recovery-codes`,
    },
    admin: {
      page: admin,
      notice: (notice: AdminNotice) => `${admin}?notice=${notice}`,
      unlockAddress: `${admin}/addresses/unlock`,
      user,
      userNotice: (name: string, notice: AdminNotice) => `${user(name)}?notice=${notice}`,
      resetUser: (name: string) => `${user(name)}/reset`,
      unlockUser: (name: string) => `${user(name)}/unlock`,
      signOutUser: (name: string) => `${user(name)}/sign-out`,
      inviteUser: (name: string) => `${user(name)}/invite`,
    },
  } as const
}

export type TapgateUrls = ReturnType<typeof tapgateUrls>

/**
 * The text for a `?notice=` code, from the page's own table; undefined for anything else. Own keys
 * only: `?notice=constructor` must not reach Object.prototype.
 */
export function noticeText<Notice extends string>(
  texts: Readonly<Record<Notice, string>>,
  code: string | undefined,
): string | undefined {
  return code !== undefined && Object.hasOwn(texts, code) ? texts[code as Notice] : undefined
}

import type { Config } from './config/schema.ts'
import { tlsClientOptions } from './config/tls-client.ts'
import { type SecretBox, secretsAtRest } from './crypto/secret-box.ts'
import type { Deps } from './deps.ts'
import type { FactorId } from './factors/factor-kinds.ts'
import { storedFactors } from './factors/factor-kinds.ts'
import { RecoveryCodes } from './factors/recovery-codes.ts'
import type { SmsFactor } from './factors/sms/sms-factor.ts'
import { createSmsFactor } from './factors/sms/sms-settings.ts'
import type { StoredFactor } from './factors/stored-factor.ts'
import { TotpFactor } from './factors/totp/totp-factor.ts'
import {
  type AuthenticatorMetadata,
  readAuthenticatorMetadata,
} from './factors/webauthn/authenticator-metadata.ts'
import { webAuthnSettings } from './factors/webauthn/settings.ts'
import { WebAuthnFactor } from './factors/webauthn/webauthn-factor.ts'
import { yubicoOtpSettings } from './factors/yubico-otp/settings.ts'
import { YubicoOtpFactor } from './factors/yubico-otp/yubico-otp-factor.ts'
import { canonicalUserFor } from './first-factor/canonical-username.ts'
import { LocalUsers } from './first-factor/local-users.ts'
import { compileLoginOutcome } from './first-factor/login-outcome.ts'
import { PanelLoginPaths } from './first-factor/login-recognition.ts'
import type { LoginFieldSettings } from './first-factor/login-request.ts'
import { LoginHistory } from './history/login-history.ts'
import { AccessLog } from './http/access-log.ts'
import { type SessionCookie, sessionCookie } from './http/cookies.ts'
import { CsrfGuard } from './http/csrf.ts'
import { NetworkSet } from './http/networks.ts'
import { type PageLook, pageLook } from './http/page-look.ts'
import { PublicAddress } from './http/public-address.ts'
import { type TapgateUrls, tapgateUrls } from './http/tapgate-urls.ts'
import { RequestLimits } from './limits/request-limits.ts'
import { Metrics } from './observability/metrics.ts'
import { PanelCookies } from './panel-session/panel-cookies.ts'
import { PanelJars } from './panel-session/panel-jar.ts'
import { compileRules } from './policy/compile-rules.ts'
import { ClientHeaderFilter } from './proxy/client-header-filter.ts'
import { Upstream } from './proxy/forward-request.ts'
import { IdentityHeaders } from './proxy/identity-headers.ts'
import { Regulator } from './regulation/regulator.ts'
import { Sessions } from './session/sessions.ts'
import { TrustedDevices } from './session/trusted-devices.ts'
import { identityFileOf } from './store/identity-file.ts'
import { StoreIdentity } from './store/store-identity.ts'
import { EnrollmentInvites } from './users/enrollment-invites.ts'
import { UserDirectory } from './users/user-directory.ts'
import { noGroups, type UserGroups } from './users/user-groups.ts'

/** Everything compiled or constructed once from the config; request handlers only use it. */
export interface Services extends Deps {
  publicOrigin: string
  /** tapgate's own pages and actions under the prefix (http/tapgate-urls.ts). */
  urls: TapgateUrls
  /** How the pages look (`ui`): name, logo, colour, help. */
  look: PageLook
  /** Sends a browser that opened tapgate at another address to public_url's. */
  publicAddress: PublicAddress
  /** public_url's host (and port): the X-Forwarded-Host the panel gets unless a trusted proxy sends one. */
  publicHost: string
  cookie: SessionCookie
  trustedProxies: NetworkSet
  /** `identity_headers`: stripped from every client request, set for verified sessions. */
  identityHeaders: IdentityHeaders
  /** Which of a client's headers reach the panel: no identity, override or untrusted forwarding ones. */
  clientHeaders: ClientHeaderFilter
  policy: ReturnType<typeof compileRules>
  loginSucceeded: ReturnType<typeof compileLoginOutcome>
  /** Whether the panel's answer says the password was wrong (`first_factor.failure`). */
  loginFailed: ReturnType<typeof compileLoginOutcome>
  /** The panel's login and logout requests, in every reading of their paths. */
  panelLogin: PanelLoginPaths
  /** The login's field names, for reading a login request strictly. */
  loginFields: LoginFieldSettings
  /** The panel's session cookies (first_factor.panel_cookies): held by tapgate, never the browser's. */
  panelCookies: PanelCookies
  panelJars: PanelJars
  /** A username as tapgate keys users by it (case, Unicode forms), under this config. */
  canonicalUser(name: string): string
  upstream: Upstream
  /** `limits`: requests per client address, and the pace of request bodies. */
  limits: RequestLimits
  sessions: Sessions
  regulator: Regulator
  totp: TotpFactor
  recoveryCodes: RecoveryCodes
  history: LoginHistory
  /** The "trust this device" cookie and marks. */
  deviceCookie: SessionCookie
  /** Where a browser sent to the panel's login page was going (http/return-cookie.ts). */
  returnCookie: SessionCookie
  trustedDevices: TrustedDevices
  users: UserDirectory
  /** One-time enrollment codes, for `enrollment.first_enrollment: invite`. */
  invites: EnrollmentInvites
  /** tapgate's own users (first_factor.mode: local); null behind a panel's own login. */
  localUsers: LocalUsers | null
  /** Group membership (local mode's users file); none behind a panel's own login. */
  groups: UserGroups
  /** `admins` and `enrollment.exempt_users`, canonicalised as sign-in canonicalises usernames. */
  admins: ReadonlySet<string>
  exemptUsers: ReadonlySet<string>
  /** YubiKeys in OTP mode; null unless `factors.yubico_otp.enabled`. */
  yubicoOtp: YubicoOtpFactor | null
  /** Security keys and passkeys; null when `factors.webauthn.enabled` is false. */
  webauthn: WebAuthnFactor | null
  /** Codes by text message; null unless `factors.sms.enabled`. */
  sms: SmsFactor | null
  /** Every factor's records in the store, whatever is enabled: "no factor" and resets read them. */
  storedFactors: Readonly<Record<FactorId, StoredFactor>>
  csrf: CsrfGuard
  /** Seals secrets at rest: TOTP seeds, held panel cookies. */
  box: SecretBox
  storeIdentity: StoreIdentity
  metrics: Metrics
  /** `access_log`: null when off, so requests pay nothing for it. */
  accessLog: AccessLog | null
}

/**
 * What outlives a config reload: parts bound to restart-only settings (config/restart-only.ts), or
 * holding what the process has counted or learnt since it started.
 */
export type LastingParts = Pick<Services, 'metrics' | 'upstream' | 'storeIdentity'>

export function createLastingParts({ config, store, clock }: Deps): LastingParts {
  const metrics = new Metrics()
  metrics.watchStore(() => store.ping())
  const sessions = new Sessions(store, clock, config.session)
  metrics.gaugeFromStore(
    'tapgate_active_sessions',
    'Verified sessions alive on every gateway sharing the store',
    () => sessions.countVerified(),
  )
  return {
    metrics,
    upstream: new Upstream(
      config.upstream.url,
      {
        timeoutMs: config.upstream.timeout,
        maxSockets: config.upstream.pool.max_sockets,
        socketWaitMs: config.upstream.pool.socket_wait,
      },
      tlsClientOptions(config.upstream.tls, 'upstream.tls'),
      (seconds) => metrics.upstreamLatency.observe(seconds),
    ),
    storeIdentity: new StoreIdentity(store, identityFileOf(config.store)),
  }
}

/** The services for a config; a reload passes the lasting parts of the gateway it replaces. */
export function createServices(deps: Deps, lasting: LastingParts = createLastingParts(deps)): Services {
  const { config, store, clock, log } = deps
  const { metrics } = lasting
  const publicOrigin = new URL(config.public_url).origin
  const identityHeaders = new IdentityHeaders(config.identity_headers)
  const box = secretsAtRest(config.encryption_key)
  const trustedProxies = new NetworkSet(config.trusted_proxies)
  const ff = config.first_factor
  const localUsers =
    ff.mode === 'local' && ff.users_file !== undefined
      ? LocalUsers.open(ff.users_file, ff.case_sensitive_usernames)
      : null
  const urls = tapgateUrls(config.prefix)
  const site = { urls, look: pageLook(config.ui, urls) }
  return {
    ...deps,
    publicOrigin,
    ...site,
    publicAddress: new PublicAddress(config.public_url, trustedProxies),
    publicHost: new URL(config.public_url).host,
    cookie: sessionCookie(config.session.cookie_name, config.public_url),
    deviceCookie: sessionCookie(config.trusted_devices.cookie_name, config.public_url),
    returnCookie: sessionCookie(`${config.session.cookie_name}_return`, config.public_url),
    trustedDevices: new TrustedDevices(store, clock, config.trusted_devices.lifetime),
    trustedProxies,
    identityHeaders,
    clientHeaders: new ClientHeaderFilter(identityHeaders, config.upstream.keep_override_headers),
    policy: compileRules(config.rules, config.default_policy),
    loginSucceeded: compileLoginOutcome(config.first_factor.success, () => clock.now()),
    loginFailed: compileLoginOutcome(config.first_factor.failure),
    accessLog: config.access_log ? new AccessLog(log) : null,
    panelLogin: new PanelLoginPaths(ff),
    loginFields: {
      usernameField: ff.username_field,
      passwordField: ff.password_field,
      usernames: ff.usernames,
    },
    panelCookies: new PanelCookies(ff.panel_cookies, () => clock.now()),
    panelJars: new PanelJars(box),
    canonicalUser: canonicalUserFor(ff),
    limits: new RequestLimits(config.limits, site, trustedProxies, log, metrics),
    sessions: new Sessions(store, clock, config.session),
    regulator: new Regulator(store, clock, config.regulation, log, metrics),
    totp: new TotpFactor(config.factors.totp, store, box, clock),
    recoveryCodes: new RecoveryCodes(store, clock, config.encryption_key),
    history: new LoginHistory(store, clock, log, config.history, metrics),
    users: new UserDirectory(store),
    localUsers,
    groups: localUsers ?? noGroups,
    invites: new EnrollmentInvites(store, clock, config.encryption_key, config.enrollment.invite_ttl),
    admins: canonicalNames(config, config.admins),
    exemptUsers: canonicalNames(config, config.enrollment.exempt_users),
    yubicoOtp: config.factors.yubico_otp.enabled
      ? new YubicoOtpFactor(yubicoOtpSettings(config.factors.yubico_otp), store, clock, config.encryption_key)
      : null,
    webauthn: config.factors.webauthn.enabled
      ? new WebAuthnFactor(webAuthnSettings(config, metadataFor(config)), store, clock)
      : null,
    sms: createSmsFactor(deps, canonicalUserFor(ff)),
    storedFactors: storedFactors(store),
    csrf: new CsrfGuard(config.encryption_key, publicOrigin),
    box,
    ...lasting,
  }
}

function metadataFor(config: Config): AuthenticatorMetadata | undefined {
  const file = config.factors.webauthn.metadata_file
  return file === undefined ? undefined : readAuthenticatorMetadata(file)
}

function canonicalNames(config: Config, names: readonly string[]): ReadonlySet<string> {
  return new Set(names.map(canonicalUserFor(config.first_factor)))
}

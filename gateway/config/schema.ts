import { z } from 'zod'
import { parseNetwork } from '../http/networks.ts'
import { isOverrideHeader, overrideHeaders } from '../http/override-headers.ts'
import { parseDuration } from './duration.ts'
import { readHostPort, readRedisUrl } from './redis-address.ts'

/** A duration as seconds (number) or "250ms", "30s", "5m", "12h", "30d"; always milliseconds after parsing. */
const duration = z.union([z.number().nonnegative(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value)
  if (ms === null) {
    ctx.addIssue({
      code: 'custom',
      message: "expected a duration such as '30s', '5m', '12h' or '30d'",
      input: value,
    })
    return z.NEVER
  }
  return ms
})

/** A duration that cannot be zero: a limit of no time at all would refuse everything. */
const someDuration = duration.refine((ms) => ms > 0, { message: 'expected a duration above zero' })

const regexSource = z.string().refine(
  (source) => {
    try {
      new RegExp(source)
      return true
    } catch {
      return false
    }
  },
  { message: 'expected a valid regular expression' },
)

const absolutePath = z.string().regex(/^\/[^?#\s]*$/, { message: "expected a path starting with '/'" })

const network = z.string().refine((value) => parseNetwork(value) !== null, {
  message: "expected an IP address or CIDR network such as '10.0.0.0/8'",
})

const httpUrl = z
  .string()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: 'expected an absolute http or https URL',
  })

/** tapgate forwards each request's own path, so the panel's URL names only where it listens. */
const panelUrl = httpUrl.refine(
  (value) => {
    if (!URL.canParse(value)) return true
    const url = new URL(value)
    return url.pathname === '/' && url.search === '' && url.hash === '' && url.username === ''
  },
  { message: "expected only scheme, host and port, such as 'http://127.0.0.1:2082'" },
)

/** Where a stuck user finds help: a web page, an address to write to, a number to call. */
const supportUrl = z
  .string()
  .refine((value) => URL.canParse(value) && /^(https?|mailto|tel):$/.test(new URL(value).protocol), {
    message: 'expected an https://, mailto: or tel: address',
  })

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9-]+$/, { message: 'expected a header name such as Remote-User' })

/** RFC 6265 cookie-name: a token. */
const cookieName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: 'expected a cookie name such as sessionid' })

const panelCookie = z.union([
  cookieName,
  z.object({ name: cookieName, pass_to_browser: z.boolean().default(false) }).strict(),
])

const fieldName = z.string().min(1).max(256)

/** `{ field: do, equals: login }` (body or query), or `{ query: title, equals: Special:UserLogin }`. */
const fieldCondition = z
  .object({ field: fieldName.optional(), query: fieldName.optional(), equals: z.string() })
  .strict()
  .refine((when) => (when.field === undefined) !== (when.query === undefined), {
    message: 'expected exactly one of field or query',
  })

const logoutPath = z.object({ path: absolutePath, query: fieldName, equals: z.string() }).strict()

/** An RFC 6901 JSON pointer: '' or '/a/b'. */
const jsonPointer = z
  .string()
  .regex(/^(\/([^~]|~[01])*)*$/, { message: "expected a JSON pointer such as '/user/name'" })

/** A regular expression whose first capture group is the username. */
const captureRegex = regexSource.refine((source) => captureGroups(source) > 0, {
  message: 'expected a regular expression with a capture group around the username',
})

/** How many capture groups a pattern has: the empty alternative matches, so each group is in the result. */
function captureGroups(source: string): number {
  try {
    return (new RegExp(`${source}|`).exec('')?.length ?? 1) - 1
  } catch {
    return 0
  }
}

/**
 * Where the panel's own answer says whom it signed in: a cookie or header of the login answer (the
 * whole value, or `regex`'s capture), a JSON pointer into the login answer, or a page asked with the
 * new session (`path`, read with `regex` or `json_pointer`).
 */
const identitySource = z
  .object({
    cookie: cookieName.optional(),
    header: headerName.optional(),
    path: absolutePath.optional(),
    json_pointer: jsonPointer.optional(),
    regex: captureRegex.optional(),
  })
  .strict()
  .superRefine((source, ctx) => {
    const places = [source.cookie, source.header, source.path].filter((place) => place !== undefined).length
    if (places + (source.path === undefined && source.json_pointer !== undefined ? 1 : 0) !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected exactly one of cookie, header, path or json_pointer',
      })
    } else if (
      source.path !== undefined &&
      (source.regex === undefined) === (source.json_pointer === undefined)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['path'],
        message: 'expected a path with exactly one of regex or json_pointer',
      })
    } else if (source.path === undefined && source.json_pointer !== undefined && source.regex !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['regex'], message: 'expected regex with cookie, header or path' })
    }
  })

export const policies = ['bypass', 'two_factor', 'deny'] as const
export type Policy = (typeof policies)[number]

const rule = z
  .object({
    path: absolutePath.optional(),
    prefix: absolutePath.optional(),
    regex: regexSource.optional(),
    methods: z
      .array(z.string().regex(/^[A-Za-z]+$/, { message: 'expected an HTTP method name' }))
      .nonempty()
      .transform((methods) => methods.map((m) => m.toUpperCase()))
      .optional(),
    networks: z.array(network).nonempty().optional(),
    /** Header name → regular expression the header's value must match (all must match). */
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), regexSource).optional(),
    policy: z.enum(policies),
    /**
     * `pass`: the panel's session cookies set on this (bypass) path reach the client as they are, for an
     * integration that signs in by password from a known network. By default they never do.
     */
    panel_cookies: z.enum(['hold', 'pass']).optional(),
  })
  .strict()
  .refine((r) => [r.path, r.prefix, r.regex].filter((m) => m !== undefined).length === 1, {
    message: 'expected exactly one of path, prefix or regex',
  })
  .refine((r) => r.panel_cookies !== 'pass' || r.policy === 'bypass', {
    path: ['panel_cookies'],
    message: 'expected panel_cookies: pass only on a bypass rule',
  })

/** A WebAuthn RP ID is a domain, lower-cased: no scheme, port or path (WebAuthn L3 §5.1.3). */
const domainShape = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/
const rpId = z
  .string()
  .trim()
  .toLowerCase()
  .regex(domainShape, { message: "expected a domain such as 'panel.example.com'" })

/** Compared verbatim with clientDataJSON.origin, so reduced to scheme://host[:port]. */
const origin = z
  .string()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: 'expected an http or https origin such as https://panel.example.com',
  })
  .refine((value) => !URL.canParse(value) || new URL(value).pathname === '/', {
    message: 'expected an origin without a path, such as https://panel.example.com',
  })
  .transform((value) => new URL(value).origin)

const aaguid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
    message: "expected an AAGUID such as 'cb69481e-8ff7-4039-93ec-0a2729a154a8'",
  })
  .transform((value) => value.toLowerCase())

/** TLS to a server tapgate connects to (Redis, the panel), in place of Node's defaults. */
const tlsClient = z
  .object({
    /** PEM certificates to verify the server with, instead of the system's. */
    ca_file: z.string().min(1).optional(),
    /** A client certificate and its key, for servers that ask for one (Redis's tls-auth-clients). */
    cert_file: z.string().min(1).optional(),
    key_file: z.string().min(1).optional(),
    /** The name the server's certificate must carry, when not the host connected to. */
    server_name: z.string().min(1).optional(),
    reject_unauthorized: z.boolean().default(true),
  })
  .strict()
  .refine((tls) => (tls.cert_file === undefined) === (tls.key_file === undefined), {
    message: 'expected cert_file and key_file together',
  })

export type TlsClientConfig = z.infer<typeof tlsClient>

const listen = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):\d{1,5}$/, {
    message: "expected 'host:port', such as '127.0.0.1:8080'",
  })
  .transform((value) => {
    const at = value.lastIndexOf(':')
    const host = value.slice(0, at).replace(/^\[|\]$/g, '') || '0.0.0.0'
    return { host, port: Number(value.slice(at + 1)) }
  })

export const configSchema = z
  .object({
    listen: listen.prefault('127.0.0.1:8080'),
    public_url: origin,
    upstream: z
      .object({
        url: panelUrl,
        timeout: duration.default(30_000),
        /** The connections kept to the panel; a request finding all of them busy waits socket_wait, then gets 503. */
        pool: z
          .object({
            max_sockets: z.number().int().positive().max(65_535).default(256),
            socket_wait: someDuration.default(5_000),
          })
          .strict()
          .prefault({}),
        preserve_host: z.boolean().default(false),
        /**
         * Route and method override headers (http/override-headers.ts) the panel may still receive
         * from clients; every other one is removed. Rules judge the request line, not these.
         */
        keep_override_headers: z
          .array(
            z.string().refine(isOverrideHeader, {
              message: `expected one of ${overrideHeaders.join(', ')}`,
            }),
          )
          .default([]),
        /** For an https:// panel whose certificate Node's CAs do not vouch for (a self-signed one). */
        tls: tlsClient.optional(),
      })
      .strict()
      .refine((upstream) => upstream.tls === undefined || upstream.url.startsWith('https:'), {
        path: ['tls'],
        message: 'expected an https:// upstream.url, since tls applies only to one',
      }),
    trusted_proxies: z.array(network).default([]),
    /** What one client may hold of tapgate and of the panel's connections (DESIGN invariant 14). */
    limits: z
      .object({
        /** A request body that sends nothing for this long, while tapgate reads it, is cut (408). */
        body_idle_timeout: someDuration.default(10_000),
        /** Bytes per second a request body must average once body_rate_grace has passed; 0: no minimum. */
        body_min_rate: z.number().int().nonnegative().default(512),
        body_rate_grace: duration.default(10_000),
        /** Requests of one client address (an IPv6 /64) waiting for their answer's head at once; more get 429. */
        per_ip_concurrency: z.number().int().positive().default(32),
      })
      .strict()
      .prefault({}),
    /** Redis in one of three shapes (redis_url, sentinels or cluster_nodes), else the embedded SQLite file. */
    store: z
      .object({
        /** One Redis server; rediss:// for TLS. A secret, as it may carry the password. */
        redis_url: z
          .string()
          .refine((url) => readRedisUrl(url) !== null, {
            message:
              "expected a URL such as 'redis://host:6379/0' or 'rediss://host:6380', with no query string",
          })
          .optional(),
        /** Sentinel: the Sentinels' addresses and the master group they watch; failovers are followed. */
        sentinels: z
          .array(
            z.string().refine((value) => readHostPort(value) !== null, {
              message: "expected 'host:port', such as '10.0.0.1:26379'",
            }),
          )
          .nonempty()
          .optional(),
        sentinel_name: z.string().min(1).optional(),
        sentinel_password: z.string().min(1).optional(),
        /** Cluster: a few of its nodes (the others are discovered). */
        cluster_nodes: z
          .array(
            z.string().refine(
              (url) => {
                const node = readRedisUrl(url)
                return (
                  node !== null && node.username === undefined && node.password === undefined && node.db === 0
                )
              },
              {
                message: "expected a URL such as 'redis://10.0.0.1:6379', with no user, password or database",
              },
            ),
          )
          .nonempty()
          .optional(),
        username: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
        /** TLS to Redis (and the Sentinels): on with rediss:// URLs, or with sentinels and this key. */
        tls: tlsClient.optional(),
        embedded_path: z.string().min(1).default('tapgate.db'),
        /**
         * Remembers the store's identity outside the store, so that a restart still refuses a store
         * that lost its data (gateway/store/store-identity.ts). Default: beside embedded_path.
         */
        identity_file: z.string().min(1).optional(),
        key_prefix: z.string().default('tapgate:'),
      })
      .strict()
      .superRefine((store, ctx) => {
        const problem = (key: string, message: string) => {
          ctx.addIssue({ code: 'custom', path: [key], message })
        }
        const shapes = (['redis_url', 'sentinels', 'cluster_nodes'] as const).filter(
          (k) => store[k] !== undefined,
        )
        if (shapes.length > 1) {
          const given = shapes.join(' and ')
          problem(shapes[1] as string, `expected one of redis_url, sentinels or cluster_nodes, got ${given}`)
        }
        for (const key of ['username', 'password', 'tls'] as const) {
          if (shapes.length === 0 && store[key] !== undefined) {
            problem(key, 'expected only with redis_url, sentinels or cluster_nodes')
          }
        }
        if (store.sentinels !== undefined && store.sentinel_name === undefined) {
          problem('sentinel_name', 'required with sentinels (the name of the master group they watch)')
        }
        for (const key of ['sentinel_name', 'sentinel_password'] as const) {
          if (store.sentinels === undefined && store[key] !== undefined) {
            problem(key, 'expected only with sentinels')
          }
        }
        // The URL is a secret: read here, never shown.
        const standalone = store.redis_url === undefined ? null : readRedisUrl(store.redis_url)
        const inUrl = standalone?.username !== undefined || standalone?.password !== undefined
        if (inUrl && (store.username !== undefined || store.password !== undefined)) {
          ctx.addIssue({
            code: 'custom',
            message:
              'expected the user and password either in redis_url or as username and password, not both',
          })
        }
        // rediss:// turns TLS on, so the URLs must agree, and a tls key needs them to say rediss://.
        const urls = [standalone, ...(store.cluster_nodes ?? []).map((node) => readRedisUrl(node))]
        const secure = new Set(urls.filter((url) => url !== null).map((url) => url.tls !== undefined))
        if (secure.size > 1) {
          problem('cluster_nodes', 'expected every node to use redis://, or every node rediss://')
        }
        if (store.tls !== undefined && secure.has(false)) {
          problem('tls', `expected rediss:// ${standalone ? 'in redis_url' : 'cluster_nodes'} with tls`)
        }
      })
      .prefault({}),
    prefix: z
      .string()
      .regex(/^\/[A-Za-z0-9_-]+$/, { message: "expected one path segment such as '/_tapgate'" })
      .default('/_tapgate'),
    first_factor: z
      .object({
        /**
         * `upstream`: the panel's own login form, watched. `local`: tapgate's own login page over
         * `users_file` (argon2id hashes); also what forward-auth (`<prefix>/verify`) deployments use.
         */
        mode: z.enum(['upstream', 'local']).default('upstream'),
        /** mode: local: the YAML users file, reloaded when it changes. */
        users_file: z.string().min(1).optional(),
        /** The panel's login; recognised in every reading of the path (case, '/', ';x', dots), any method. */
        login_path: absolutePath.default('/login'),
        /** Where browsers without a session are sent; the login form's own page by default. */
        login_page: absolutePath.optional(),
        /** For a login that shares its path with other forms: a field that must hold a value. */
        login_when: fieldCondition.optional(),
        /** Name of the username field in the login request, form-encoded, multipart or JSON. */
        username_field: fieldName.default('username'),
        /** Name of the password field: with the username field, what makes a request a login. */
        password_field: fieldName.default('password'),
        /** `ascii`: non-ASCII usernames are refused. `unicode`: allowed, matched by their skeleton. */
        usernames: z.enum(['ascii', 'unicode']).default('ascii'),
        case_sensitive_usernames: z.boolean().default(false),
        /** The cookies that carry the panel's session: held by tapgate, never given to the browser. */
        panel_cookies: z.array(panelCookie).optional(),
        success: z
          .object({
            status: z.array(z.number().int().min(100).max(599)).nonempty().default([302, 303]),
            set_cookie: cookieName.optional(),
            location: regexSource.optional(),
          })
          .strict()
          .prefault({}),
        /**
         * What the panel answers a wrong password with: only such an answer counts toward a lockout.
         * Anything else that is no success (its own CSRF check's 403, a 429, a 5xx) judged no password.
         */
        failure: z
          .object({
            status: z
              .array(z.number().int().min(100).max(599))
              .nonempty()
              .default([200, 301, 302, 303, 307, 308, 401]),
            location: regexSource.optional(),
          })
          .strict()
          .prefault({}),
        /** Whom the panel signed in, read from its own answer; the second factor is asked for that user. */
        confirm_identity: identitySource.optional(),
        logout_paths: z.array(z.union([absolutePath, logoutPath])).default([]),
        max_body: z
          .number()
          .int()
          .positive()
          .default(64 * 1024),
      })
      .strict()
      .refine((ff) => ff.mode !== 'local' || ff.users_file !== undefined, {
        path: ['users_file'],
        message: 'expected a users_file with mode: local',
      })
      .refine((ff) => ff.mode !== 'upstream' || ff.panel_cookies !== undefined || ff.success.set_cookie, {
        path: ['panel_cookies'],
        message: "expected the panel's session cookie names (or success.set_cookie) with mode: upstream",
      })
      .transform(({ panel_cookies, logout_paths, ...ff }) => ({
        ...ff,
        // One shape for the code: every cookie an object, every logout path an object.
        panel_cookies: (
          panel_cookies ?? (ff.success.set_cookie === undefined ? [] : [ff.success.set_cookie])
        ).map((cookie) => (typeof cookie === 'string' ? { name: cookie, pass_to_browser: false } : cookie)),
        logout_paths: logout_paths.map((entry) => (typeof entry === 'string' ? { path: entry } : entry)),
      }))
      .prefault({}),
    /**
     * Who the user is, sent to the panel with every request of a verified session (names of headers).
     * Whatever the client sends under these names, and under the usual identity header names, is
     * always removed first.
     */
    identity_headers: z
      .object({
        user: headerName.default('Remote-User'),
        name: headerName.default('Remote-Name'),
        email: headerName.default('Remote-Email'),
        groups: headerName.default('Remote-Groups'),
      })
      .strict()
      .prefault({}),
    /** tapgate as the sign-in service of a proxy that asks `<prefix>/verify` before each request. */
    forward_auth: z
      .object({
        /**
         * The proxy that asks, which decides the headers naming the original request: nginx's
         * X-Original-URI/-Method, or Traefik's and Caddy's X-Forwarded-Uri/-Method. Configured, never
         * guessed from a request's headers, which a client can add. Absent: `<prefix>/verify` is off.
         */
        proxy: z.enum(['nginx', 'traefik', 'caddy']).optional(),
      })
      .strict()
      .prefault({}),
    rules: z.array(rule).default([]),
    default_policy: z.enum(policies).default('two_factor'),
    factors: z
      .object({
        totp: z
          .object({
            issuer: z.string().min(1).default('tapgate'),
            digits: z.union([z.literal(6), z.literal(8)]).default(6),
            period: z.number().int().min(15).max(120).default(30),
            window: z.number().int().min(0).max(5).default(1),
          })
          .strict()
          .prefault({}),
        webauthn: z
          .object({
            enabled: z.boolean().default(true),
            /** The public URL's hostname when absent (gateway/factors/webauthn/webauthn-factor.ts resolves it). */
            rp_id: rpId.optional(),
            rp_name: z.string().min(1).default('tapgate'),
            /** The public URL's origin when absent. */
            origins: z.array(origin).nonempty().optional(),
            attestation: z.enum(['none', 'direct']).default('none'),
            user_verification: z.enum(['discouraged', 'preferred', 'required']).default('discouraged'),
            resident_key: z.enum(['discouraged', 'preferred', 'required']).default('discouraged'),
            /**
             * "Sign in with a passkey" on tapgate's own sign-in page (first_factor.mode: local): a
             * discoverable credential with user verification stands for the password and the second
             * factor; new keys are registered as passkeys (resident key and user verification required).
             */
            passwordless: z.boolean().default(false),
            /** Only authenticator models (AAGUIDs) in this list may register. */
            aaguid_allowlist: z.array(aaguid).nonempty().optional(),
            /**
             * An offline FIDO MDS3 BLOB (or its JSON payload): names key models, checks attestation
             * chains of the models it lists, and refuses models reported compromised.
             */
            metadata_file: z.string().min(1).optional(),
            challenge_ttl: duration.default(2 * 60_000),
          })
          .strict()
          // Under attestation 'none' a client may replace the AAGUID with zeros (WebAuthn L3 §5.4.7),
          // so a list of models could refuse every key.
          .refine((w) => w.aaguid_allowlist === undefined || w.attestation === 'direct', {
            path: ['aaguid_allowlist'],
            message: "expected attestation: 'direct' with an AAGUID allowlist",
          })
          .prefault({}),
        yubico_otp: z
          .object({
            enabled: z.boolean().default(false),
            /** `cloud`: YubiCloud or self-hosted ykval servers; `local`: tapgate decrypts with imported AES keys. */
            mode: z.enum(['cloud', 'local']).default('cloud'),
            /** Verify URLs, queried in parallel; the first definitive answer wins. */
            servers: z.array(httpUrl).nonempty().default(['https://api.yubico.com/wsapi/2.0/verify']),
            client_id: z
              .union([
                z.number().int().positive().transform(String),
                z.string().regex(/^\d+$/, { message: 'expected the numeric client id' }),
              ])
              .optional(),
            /** Also from TAPGATE_YUBICO_API_KEY or api_key_file. */
            api_key: z
              .string()
              .regex(/^[A-Za-z0-9+/]+={0,2}$/, { message: 'expected the base64 API key Yubico issued' })
              .optional(),
            /** Per request; a server silent that long counts as down (fail closed). */
            timeout: duration.default(5_000),
            sync_level: z.union([z.number().int().min(0).max(100), z.enum(['fast', 'secure'])]).optional(),
            sync_timeout: duration.optional(),
          })
          .strict()
          .refine(
            (y) => !y.enabled || y.mode !== 'cloud' || (y.client_id !== undefined && y.api_key !== undefined),
            { path: ['api_key'], message: 'expected client_id and api_key with mode: cloud' },
          )
          .prefault({}),
        /** Codes by text message, sent through the operator's own gateway (gateway/factors/sms/). */
        sms: z
          .object({
            enabled: z.boolean().default(false),
            /** Absent: everyone may use text messages; present: only members of these groups and these users. */
            allow: z
              .object({
                groups: z.array(z.string().min(1)).default([]),
                users: z.array(z.string().min(1)).default([]),
              })
              .strict()
              .refine((allow) => allow.groups.length + allow.users.length > 0, {
                message: 'expected at least one group or user (leave allow out to allow everyone)',
              })
              .optional(),
            /** Offered at sign-in only to users without an app, a security key or a YubiKey. */
            fallback_only: z.boolean().default(false),
            /** The name the message gives ("123456 is your <issuer> code"); factors.totp.issuer when absent. */
            issuer: z.string().trim().min(1).max(40).optional(),
            code_ttl: duration
              .refine((ms) => ms >= 60_000 && ms <= 3_600_000, { message: 'expected 1m to 1h' })
              .default(5 * 60_000),
            resend_after: duration
              .refine((ms) => ms >= 5_000 && ms <= 600_000, { message: 'expected 5s to 10m' })
              .default(30_000),
            /** Messages per user, and per phone number, in an hour. */
            max_per_hour: z.number().int().min(1).max(100).default(5),
            notifier: z
              .discriminatedUnion('type', [
                z
                  .object({
                    type: z.literal('webhook'),
                    url: httpUrl,
                    /** Signs every request; also from TAPGATE_SMS_WEBHOOK_SECRET or secret_file. */
                    secret: z.string().min(32, { message: 'expected at least 32 characters' }),
                    timeout: duration.default(5_000),
                  })
                  .strict(),
                z
                  .object({
                    type: z.literal('twilio'),
                    /** Twilio, or any provider that speaks its Messages API. */
                    base_url: httpUrl.default('https://api.twilio.com'),
                    account_sid: z.string().regex(/^[A-Za-z0-9]+$/, { message: 'expected an account SID' }),
                    /** Also from TAPGATE_SMS_AUTH_TOKEN or auth_token_file. */
                    auth_token: z.string().min(1),
                    /** A number in E.164, a short code or an alphanumeric sender id. */
                    from: z.string().min(1),
                    timeout: duration.default(5_000),
                  })
                  .strict(),
                /** Writes the message, code and all, to the log: demos and tests only. */
                z.object({ type: z.literal('log') }).strict(),
              ])
              .optional(),
          })
          .strict()
          .refine((sms) => !sms.enabled || sms.notifier !== undefined, {
            path: ['notifier'],
            message: 'expected a notifier (type webhook, twilio or log) with enabled: true',
          })
          .refine((sms) => sms.resend_after < sms.code_ttl, {
            path: ['resend_after'],
            message: 'expected a resend delay shorter than code_ttl',
          })
          .prefault({}),
      })
      .strict()
      .prefault({}),
    session: z
      .object({
        cookie_name: z
          .string()
          .regex(/^[A-Za-z0-9_-]+$/, { message: 'expected a cookie name of letters, digits, _ and -' })
          .default('tapgate_session'),
        idle: duration.default(30 * 60_000),
        absolute: duration.default(12 * 3_600_000),
        pending: duration.default(5 * 60_000),
      })
      .strict()
      .prefault({}),
    regulation: z
      .object({
        /** Failures of one user from one address (an IPv6 /64 counts as one) before that pair is locked. */
        max_failures: z.number().int().positive().default(5),
        /** Failures of one user from all addresses before the user is locked (trusted browsers excepted). */
        max_failures_per_user: z.number().int().positive().default(20),
        /** Failures from one address across all users before the address is locked (trusted browsers excepted). */
        max_failures_per_ip: z.number().int().positive().default(50),
        window: duration.default(10 * 60_000),
        ban_time: duration.default(15 * 60_000),
      })
      .strict()
      .prefault({}),
    trusted_devices: z
      .object({
        /** Offers "Trust this device" on the 2fa page. */
        enabled: z.boolean().default(true),
        /** How long a trusted browser skips the second factor. */
        // Browsers cap a cookie's Max-Age at 400 days (RFC 6265bis), and hono refuses to write more.
        lifetime: someDuration
          .refine((ms) => ms <= 400 * 86_400_000, { message: 'at most 400d: browsers keep no cookie longer' })
          .default(30 * 86_400_000),
        cookie_name: z
          .string()
          .regex(/^[A-Za-z0-9_-]+$/, { message: 'expected a cookie name of letters, digits, _ and -' })
          .default('tapgate_device'),
      })
      .strict()
      .prefault({}),
    /** Usernames (as the panel's login form takes them) who may use `<prefix>/admin`. */
    admins: z.array(z.string().min(1)).default([]),
    enrollment: z
      .object({
        /** Whether a user without a factor must enroll one before reaching the panel. */
        required: z.boolean().default(true),
        /** Until this date (ISO 8601) a user without a factor may skip enrollment; a banner says until when. */
        grace_until: z.iso
          .date({ message: 'expected a date such as 2027-01-31' })
          .or(z.iso.datetime({ offset: true, message: 'expected a date such as 2027-01-31' }))
          .optional(),
        /** Service accounts that never need a second factor. */
        exempt_users: z.array(z.string().min(1)).default([]),
        /** Groups (from the users file of first_factor.mode: local) whose members never need one. */
        exempt_groups: z.array(z.string().min(1)).default([]),
        /**
         * `open`: the password alone lets a user without a factor enroll their first one. `invite`: that
         * also needs a one-time enrollment code an admin issued (a stolen password cannot enroll a phone).
         */
        first_enrollment: z.enum(['open', 'invite']).default('open'),
        /** How long an issued enrollment code stays valid. */
        invite_ttl: duration.default(7 * 86_400_000),
      })
      .strict()
      .prefault({}),
    /** How tapgate's pages look and what they tell a user who is stuck. */
    ui: z
      .object({
        /** The panel's or the company's name: the page header and every page title carry it. */
        name: z.string().trim().min(1).max(60).optional(),
        /** An SVG, PNG, JPEG or WebP file shown in the page header beside the name. */
        logo: z.string().min(1).optional(),
        /** Who helps a user who is locked out or lost every way to sign in, in a sentence. */
        support: z.string().trim().min(1).max(300).optional(),
        /** Where that help is: the support sentence becomes a link to it. */
        support_url: supportUrl.optional(),
        /** The buttons' and links' colour; text on it and its lighter and darker shades follow from it. */
        accent: z
          .string()
          .regex(/^#(?:[0-9a-fA-F]{3}){1,2}$/, { message: "expected a colour such as '#0b5fff'" })
          .optional(),
        /** What the page of a paused sign-in tells the user to do, under "Try again at …". */
        lockout_help: z
          .string()
          .trim()
          .min(1)
          .max(500)
          .default(
            'Wait until then and try again. If you no longer have any way to verify, ask for help: ' +
              'an administrator can reset your two-step verification.',
          ),
        /** `inject`: a small "Sign-in security" link is added to the panel's HTML pages for verified users. */
        account_link: z.enum(['off', 'inject']).default('off'),
      })
      .strict()
      .prefault({}),
    history: z
      .object({
        /** Entries kept per user; older ones are dropped as new ones arrive. */
        max_entries: z.number().int().positive().max(10_000).default(200),
        /** Entries older than this are not shown. */
        max_age: duration.default(90 * 86_400_000),
      })
      .strict()
      .prefault({}),
    /** Master key for secrets at rest and CSRF tokens; at least 32 characters of randomness. */
    encryption_key: z.string().min(32, { message: 'expected at least 32 characters' }),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** One JSON line per request (method, path, policy, status, bytes, duration, request id, user). */
    access_log: z.boolean().default(false),
    /** Where `tapgate serve` writes its process id, for `tapgate reload`; relative to the config file. */
    pid_file: z.string().min(1).optional(),
    server: z
      .object({
        /**
         * Processes serving requests (node:cluster): `auto` one per CPU core. Each has its own store
         * connection, so more than one needs Redis.
         */
        workers: z.union([z.literal('auto'), z.number().int().min(1).max(256)]).default(1),
      })
      .strict()
      .prefault({}),
    metrics: z
      .object({
        enabled: z.boolean().default(true),
        /** Where Prometheus scrapes `/metrics`: its own address, so the public listener never shows them. */
        listen: listen.prefault('127.0.0.1:9464'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const { store } = config
    const embedded = !(store.redis_url || store.sentinels || store.cluster_nodes)
    if (embedded && config.server.workers !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['server', 'workers'],
        message: 'expected 1 with the embedded store: one SQLite file serves one process (use Redis)',
      })
    }
    if (config.regulation.window > config.regulation.ban_time) {
      ctx.addIssue({
        code: 'custom',
        path: ['regulation', 'window'],
        message: 'expected a window no longer than regulation.ban_time',
      })
    }
    // An origin may use an RP ID equal to its host or a parent domain of it (WebAuthn L3 §5.1.3).
    // Checked only once the parts are valid: refinements run even after a field's own check failed.
    const webauthn = config.factors.webauthn
    const rpId =
      webauthn.rp_id ?? (URL.canParse(config.public_url) ? new URL(config.public_url).hostname : '')
    const origins = webauthn.origins ?? [config.public_url]
    if (domainShape.test(rpId)) {
      origins.forEach((origin, at) => {
        if (!URL.canParse(origin)) return
        const host = new URL(origin).hostname
        if (host === rpId || host.endsWith(`.${rpId}`)) return
        ctx.addIssue({
          code: 'custom',
          path: ['factors', 'webauthn', ...(webauthn.origins ? ['origins', at] : ['rp_id'])],
          message: `expected an origin on ${rpId} or a subdomain of it, got '${new URL(origin).origin}'`,
        })
      })
    }
    // A passkey signs in on tapgate's own sign-in page; behind the panel's login there is none to offer it on.
    if (webauthn.passwordless && config.first_factor.mode !== 'local') {
      ctx.addIssue({
        code: 'custom',
        path: ['factors', 'webauthn', 'passwordless'],
        message:
          "expected first_factor.mode: local with passwordless (passkeys sign in on tapgate's own sign-in page)",
      })
    }
    if (webauthn.passwordless && !webauthn.enabled) {
      ctx.addIssue({
        code: 'custom',
        path: ['factors', 'webauthn', 'passwordless'],
        message: 'expected factors.webauthn.enabled: true with passwordless',
      })
    }
    // verify believes the proxy's question only from trusted_proxies: without them it answers no one.
    if (config.forward_auth.proxy !== undefined && config.trusted_proxies.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['trusted_proxies'],
        message: `expected the address of the ${config.forward_auth.proxy} that asks, with forward_auth.proxy`,
      })
    }
    if (config.session.idle > config.session.absolute) {
      ctx.addIssue({
        code: 'custom',
        path: ['session', 'idle'],
        message: 'expected an idle timeout no longer than session.absolute',
      })
    }
  })

export type Config = z.output<typeof configSchema>
export type Rule = Config['rules'][number]

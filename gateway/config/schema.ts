import { z } from 'zod'
import { parseNetwork } from '../http/networks.ts'
import { parseDuration } from './duration.ts'

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
  })
  .strict()
  .refine((r) => [r.path, r.prefix, r.regex].filter((m) => m !== undefined).length === 1, {
    message: 'expected exactly one of path, prefix or regex',
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
        url: httpUrl,
        timeout: duration.default(30_000),
        preserve_host: z.boolean().default(false),
      })
      .strict(),
    trusted_proxies: z.array(network).default([]),
    store: z
      .object({
        redis_url: z
          .string()
          .regex(/^rediss?:\/\//, { message: "expected a URL starting with 'redis://' or 'rediss://'" })
          .optional(),
        embedded_path: z.string().min(1).default('tapgate.db'),
        key_prefix: z.string().default('tapgate:'),
      })
      .strict()
      .prefault({}),
    prefix: z
      .string()
      .regex(/^\/[A-Za-z0-9_-]+$/, { message: "expected one path segment such as '/_tapgate'" })
      .default('/_tapgate'),
    first_factor: z
      .object({
        mode: z.literal('upstream').default('upstream'),
        login_path: absolutePath.default('/login'),
        /** Where browsers without a session are sent; the login form's own page by default. */
        login_page: absolutePath.optional(),
        /** Name of the username field in the login POST, form-encoded or JSON. */
        username_field: z.string().min(1).default('username'),
        case_sensitive_usernames: z.boolean().default(false),
        success: z
          .object({
            status: z.array(z.number().int().min(100).max(599)).nonempty().default([302, 303]),
            set_cookie: z.string().min(1).optional(),
            location: regexSource.optional(),
          })
          .strict()
          .prefault({}),
        logout_paths: z.array(absolutePath).default([]),
        max_body: z
          .number()
          .int()
          .positive()
          .default(64 * 1024),
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
            /** The public URL's hostname when absent (gateway/factors/webauthn.ts resolves it). */
            rp_id: rpId.optional(),
            rp_name: z.string().min(1).default('tapgate'),
            /** The public URL's origin when absent. */
            origins: z.array(origin).nonempty().optional(),
            attestation: z.enum(['none', 'direct']).default('none'),
            user_verification: z.enum(['discouraged', 'preferred', 'required']).default('discouraged'),
            resident_key: z.enum(['discouraged', 'preferred', 'required']).default('discouraged'),
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
        max_failures: z.number().int().positive().default(5),
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
        lifetime: duration.default(30 * 86_400_000),
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
  })
  .strict()
  .superRefine((config, ctx) => {
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

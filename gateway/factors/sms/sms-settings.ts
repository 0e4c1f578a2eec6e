import type { Deps } from '../../deps.ts'
import { LogNotifier } from './log-notifier.ts'
import type { Notifier } from './notifier.ts'
import { SmsFactor } from './sms-factor.ts'
import { TwilioNotifier } from './twilio-notifier.ts'
import { WebhookNotifier } from './webhook-notifier.ts'

type SmsBlock = Deps['config']['factors']['sms']

/**
 * The text-message factor as `factors.sms` configures it; null when it is off. `canonicalUser` spells
 * the allowed usernames as sign-in keys them.
 */
export function createSmsFactor(
  { config, store, clock, log }: Deps,
  canonicalUser: (name: string) => string,
): SmsFactor | null {
  const block = config.factors.sms
  if (!block.enabled) return null
  if (block.notifier === undefined) throw new Error('factors.sms: enabled without a notifier')
  const allow =
    block.allow === undefined
      ? null
      : { groups: new Set(block.allow.groups), users: new Set(block.allow.users.map(canonicalUser)) }
  return new SmsFactor(
    {
      issuer: block.issuer ?? config.factors.totp.issuer,
      codeTtlMs: block.code_ttl,
      resendAfterMs: block.resend_after,
      maxPerHour: block.max_per_hour,
      fallbackOnly: block.fallback_only,
      allow,
    },
    createNotifier(block.notifier, { clock, log }),
    store,
    clock,
    config.encryption_key,
  )
}

function createNotifier(
  notifier: NonNullable<SmsBlock['notifier']>,
  { clock, log }: Pick<Deps, 'clock' | 'log'>,
): Notifier {
  switch (notifier.type) {
    case 'webhook':
      return new WebhookNotifier(
        { url: notifier.url, secret: notifier.secret, timeoutMs: notifier.timeout },
        clock,
      )
    case 'twilio':
      return new TwilioNotifier({
        baseUrl: notifier.base_url,
        accountSid: notifier.account_sid,
        authToken: notifier.auth_token,
        from: notifier.from,
        timeoutMs: notifier.timeout,
      })
    case 'log':
      return new LogNotifier(log)
  }
}

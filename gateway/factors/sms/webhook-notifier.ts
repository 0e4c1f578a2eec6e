import { createHmac } from 'node:crypto'
import type { Clock } from '../../deps.ts'
import { postWithOneRetry } from './http-delivery.ts'
import type { Delivery, Notifier, SmsMessage } from './notifier.ts'

export interface WebhookSettings {
  url: string
  /** Shared with the receiver, which checks every request's signature with it. */
  secret: string
  timeoutMs: number
}

const TIMESTAMP_HEADER = 'Tapgate-Timestamp'
const SIGNATURE_HEADER = 'Tapgate-Signature'

/**
 * POSTs `{"to", "text", "code_id"}` as JSON to the operator's endpoint, which hands it to their SMS
 * provider. Signed as Stripe and GitHub sign webhooks: `Tapgate-Timestamp` is the Unix time in
 * seconds, `Tapgate-Signature` is `v1=` and the hex HMAC-SHA256, under the shared secret, of
 * `<timestamp>.<body>`. The receiver recomputes it over the raw body, compares in constant time and
 * refuses old timestamps, so a captured request cannot be replayed later. A retry carries the same
 * body (and code_id) with a fresh timestamp and signature.
 */
export class WebhookNotifier implements Notifier {
  readonly type = 'webhook'

  constructor(
    private readonly settings: WebhookSettings,
    private readonly clock: Clock,
  ) {}

  send(message: SmsMessage): Promise<Delivery> {
    const body = JSON.stringify({ to: message.to, text: message.text, code_id: message.codeId })
    return postWithOneRetry('webhook', this.settings.timeoutMs, () => {
      const timestamp = String(Math.floor(this.clock.now() / 1000))
      return {
        url: this.settings.url,
        init: {
          headers: {
            'content-type': 'application/json',
            [TIMESTAMP_HEADER]: timestamp,
            [SIGNATURE_HEADER]: `v1=${signWebhook(this.settings.secret, timestamp, body)}`,
          },
          body,
        },
      }
    })
  }
}

function signWebhook(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')
}

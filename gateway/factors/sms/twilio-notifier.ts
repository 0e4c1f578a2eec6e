import { postWithOneRetry } from './http-delivery.ts'
import type { Delivery, Notifier, SmsMessage } from './notifier.ts'

export interface TwilioSettings {
  /** https://api.twilio.com, or a provider that speaks the same Messages API. */
  baseUrl: string
  accountSid: string
  authToken: string
  from: string
  timeoutMs: number
}

/**
 * Twilio's Messages API (and compatible providers'): a form-encoded POST of To, From and Body to
 * `/2010-04-01/Accounts/{AccountSid}/Messages.json`, with the account SID and auth token as basic
 * auth. A refusal's Twilio error code (e.g. 21211, a bad To number) goes to the log, the body never.
 */
export class TwilioNotifier implements Notifier {
  readonly type = 'twilio'
  readonly #url: string
  readonly #authorization: string

  constructor(private readonly settings: TwilioSettings) {
    const base = settings.baseUrl.replace(/\/+$/, '')
    this.#url = `${base}/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`
    this.#authorization = `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}`
  }

  send(message: SmsMessage): Promise<Delivery> {
    const body = new URLSearchParams({
      To: message.to,
      From: this.settings.from,
      Body: message.text,
    }).toString()
    return postWithOneRetry(
      'twilio',
      this.settings.timeoutMs,
      () => ({
        url: this.#url,
        init: {
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
            authorization: this.#authorization,
          },
          body,
        },
      }),
      twilioErrorCode,
    )
  }
}

/** " (Twilio error 21211)" from a refusal's JSON; nothing when it has no numeric code. */
async function twilioErrorCode(response: Response): Promise<string> {
  const text = await response.text()
  if (text.length > 4096) return ''
  const code = (JSON.parse(text) as { code?: unknown }).code
  return typeof code === 'number' && Number.isInteger(code) ? ` (Twilio error ${code})` : ''
}

import type { Logger } from 'pino'
import type { Delivery, Notifier, SmsMessage } from './notifier.ts'
import { maskPhoneNumber } from './phone-number.ts'

/**
 * Sends nothing: writes the message, code included, to the log, for the demo and for trying tapgate
 * out. The only log line that ever holds a code, so never for real users.
 */
export class LogNotifier implements Notifier {
  readonly type = 'log'

  constructor(private readonly log: Logger) {}

  async send(message: SmsMessage): Promise<Delivery> {
    const to = maskPhoneNumber(message.to)
    this.log.warn(
      { event: 'sms_logged', to, text: message.text, codeId: message.codeId },
      `text message to ${to} (log notifier, nothing was sent): ${message.text}`,
    )
    return { ok: true }
  }
}

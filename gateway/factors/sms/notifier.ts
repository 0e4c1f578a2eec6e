/** One text message: the number in E.164, the words, and the id of the code it carries. */
export interface SmsMessage {
  to: string
  text: string
  /** Random, per code: lets a receiver drop the second copy of a retried request. */
  codeId: string
}

/** `detail` says why, for the log only; it never holds the message text or the code. */
export type Delivery = { ok: true } | { ok: false; detail: string }

/** How tapgate hands a message to the operator's SMS provider. */
export interface Notifier {
  readonly type: 'webhook' | 'twilio' | 'log'
  send(message: SmsMessage): Promise<Delivery>
}

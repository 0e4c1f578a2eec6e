import type { Context } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { maskPhoneNumber } from '../factors/sms/phone-number.ts'
import type { SendResult } from '../factors/sms/sms-factor.ts'
import type { Services } from '../services.ts'

/** What this file uses of the services. */
type SmsSendParts = Pick<Services, 'history' | 'sms'>

/**
 * A send goes into the user's history like an attempt; a failed delivery is logged as a warning with
 * the notifier's reason (never the code or the message).
 */
export async function recordSend(
  c: Context<GatewayEnv>,
  s: SmsSendParts,
  event: 'second_factor' | 'enrollment',
  number: string,
  result: SendResult,
): Promise<void> {
  const failed = !result.ok && result.reason === 'not_delivered'
  await s.history.record(
    c.var.session.user,
    c.var.origin,
    { event, factor: 'sms', result: sendOutcome(result) },
    {
      logOnly: {
        to: maskPhoneNumber(number),
        notifier: s.sms?.notifier.type,
        ...(failed ? { detail: result.detail } : {}),
      },
      ...(failed ? { level: 'warn' as const, message: 'text message not sent' } : {}),
    },
  )
}

/** The history's result for a send: `code_sent`, or why none was. */
export function sendOutcome(result: SendResult): string {
  return result.ok ? 'code_sent' : result.reason
}

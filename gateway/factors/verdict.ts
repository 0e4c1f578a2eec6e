/** A refused proof: why, and (for the log line only, never the page) a library's own words. */
export interface Refusal<Reason extends string> {
  ok: false
  reason: Reason
  detail?: string
  /** Set when an operator should notice the refusal in the log (a security key that may be cloned). */
  warning?: string
  /**
   * Set by the factor when the refusal says nothing of the guess: the checking service failed, no
   * code was waiting, the code had expired. Every other refusal counts toward the lockout.
   */
  notAGuess?: true
}

/**
 * Every factor's answer to a proof (a code, a tap, a security key's assertion), in one shape:
 * accepted, with whatever accepting yields, or refused with a reason.
 */
export type Verdict<Reason extends string, Accepted extends object = object> =
  | ({ ok: true } & Accepted)
  | Refusal<Reason>

export function refused<Reason extends string>(reason: Reason, detail?: string): Refusal<Reason> {
  return detail === undefined ? { ok: false, reason } : { ok: false, reason, detail }
}

/** What pairing needs of a history entry (HistoryEntry, or the pages' AccountHistoryEntry). */
export interface SignInStep {
  at: number
  event: string
  result: string
  ip: string
  userAgent?: string | undefined
}

/**
 * One line of a user's history: an entry as recorded, or one sign-in, its accepted password and the
 * second step that completed it (`completed`: a factor, a recovery code, a trusted device …).
 */
export type HistoryRow<Entry> =
  | { kind: 'entry'; entry: Entry }
  | { kind: 'sign_in'; password: Entry; completed: Entry }

/** Rows of history on one page of the account and admin pages. */
export const historyRowsPerPage = 10

/**
 * How long after its password a sign-in can complete: `session.pending`, which a text-message code
 * sent during the sign-in extends until that code expires (session/sessions.ts).
 */
export function signInWindow(config: {
  session: { pending: number }
  factors: { sms: { enabled: boolean; code_ttl: number } }
}): number {
  const { pending } = config.session
  const { sms } = config.factors
  return sms.enabled ? pending + sms.code_ttl : pending
}

const isAcceptedPassword = (step: SignInStep) => step.event === 'first_factor' && step.result === 'success'
const isCompletion = (step: SignInStep) => step.event === 'second_factor' && step.result === 'success'

/**
 * The history newest first (as LoginHistory.of reads it) with each completed sign-in as one row:
 * a second step that succeeded takes the latest accepted password before it from the same address
 * and browser (user agent) within `windowMs`, and stands where the second step stood. Everything else
 * keeps a row of its own: refused passwords and codes, lockouts, a password whose sign-in was never
 * completed, a second step with no password (a step-up to change a setting), set-ups and changes.
 * Pure, and in the given order: entries written in the same millisecond keep it.
 */
export function signInRows<Entry extends SignInStep>(
  entries: readonly Entry[],
  windowMs: number,
): HistoryRow<Entry>[] {
  const rows: (HistoryRow<Entry> | null)[] = entries.map((entry) => ({ kind: 'entry', entry }))
  /** Indexes of accepted passwords not yet paired, oldest first. */
  const open: number[] = []
  // Oldest first, so that a second step can only take a password recorded before it.
  for (let index = entries.length - 1; index >= 0; index--) {
    const step = entries[index] as Entry
    if (isAcceptedPassword(step)) {
      open.push(index)
      continue
    }
    if (!isCompletion(step)) continue
    for (let candidate = open.length - 1; candidate >= 0; candidate--) {
      const passwordIndex = open[candidate] as number
      const password = entries[passwordIndex] as Entry
      const elapsed = step.at - password.at
      if (elapsed < 0 || elapsed > windowMs) continue
      if (password.ip !== step.ip || password.userAgent !== step.userAgent) continue
      open.splice(candidate, 1)
      rows[passwordIndex] = null
      rows[index] = { kind: 'sign_in', password, completed: step }
      break
    }
  }
  return rows.filter((row): row is HistoryRow<Entry> => row !== null)
}

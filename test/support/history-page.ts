import { type Page, pageOf } from '../../gateway/history/page-of.ts'
import {
  type HistoryRow,
  historyRowsPerPage,
  type SignInStep,
  signInRows,
} from '../../gateway/history/sign-in-rows.ts'

/** The default `session.pending`: how long after its password a sign-in may complete. */
export const defaultSignInWindow = 5 * 60_000

/** Entries newest first as the history page shows them: sign-ins paired, then page `page` of them. */
export function historyPageOf<Entry extends SignInStep>(
  entries: readonly Entry[],
  page = 1,
): Page<HistoryRow<Entry>> {
  return pageOf(signInRows(entries, defaultSignInWindow), page, historyRowsPerPage)
}

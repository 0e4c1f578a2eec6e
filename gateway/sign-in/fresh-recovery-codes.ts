import { z } from 'zod'
import type { SecretBox } from '../crypto/secret-box.ts'
import type { Session } from '../session/sessions.ts'

const codeList = z.array(z.string())

/** New codes wait in the user's session, sealed, until they say they saved them. */
export function sealRecoveryCodes(box: SecretBox, user: string, codes: readonly string[]): string {
  return box.seal(JSON.stringify(codes), `recovery-codes:${user}`)
}

/** The codes waiting in the session to be shown; null when none, or when they do not open. */
export function freshRecoveryCodes(box: SecretBox, session: Session): string[] | null {
  if (session.freshRecoveryCodes === undefined) return null
  const text = box.open(session.freshRecoveryCodes, `recovery-codes:${session.user}`)
  return text === null ? null : codeList.parse(JSON.parse(text))
}

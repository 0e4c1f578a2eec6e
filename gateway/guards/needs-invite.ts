import type { Config } from '../config/schema.ts'
import type { Session } from '../session/sessions.ts'

/** Invite mode asks a pending session for the enrollment code before it may enroll a first factor. */
export function needsInvite(enrollment: Config['enrollment'], session: Session): boolean {
  return enrollment.first_enrollment === 'invite' && session.invited !== true
}

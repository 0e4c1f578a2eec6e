import { DateTime } from './date-time.tsx'

/** "Added 3 Nov 2026 · Last used 21 Nov 2026" (or "Never used") in a sign-in method's meta line. */
export function UsageDates({ addedAt, lastUsedAt }: { addedAt: number | null; lastUsedAt: number | null }) {
  return (
    <>
      {addedAt === null ? null : (
        <span>
          Added <DateTime at={addedAt} />
        </span>
      )}
      <span>
        {lastUsedAt === null ? (
          'Never used'
        ) : (
          <>
            Last used <DateTime at={lastUsedAt} />
          </>
        )}
      </span>
    </>
  )
}

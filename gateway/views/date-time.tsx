const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/**
 * "23 Nov 2026", in UTC. Built by hand rather than with Intl so pages read the same whatever locale
 * and time zone the server runs in (and the tests can pin it).
 */
function formatDate(epochMs: number): string {
  const date = new Date(epochMs)
  return `${date.getUTCDate()} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()}`
}

/** "23 Nov 2026, 09:44 UTC". */
function formatDateTime(epochMs: number): string {
  const date = new Date(epochMs)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${formatDate(epochMs)}, ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`
}

/**
 * A date, or with `withTime` a date and time, marked up for machines as well. A time is sent in UTC,
 * with the UTC in its title too: web/local-times.ts rewrites the text (`data-local-time`) to the
 * browser's own zone and leaves the title, so the UTC stays on hover. A date alone stays as it is: a
 * day such as "becomes required on 31 Jan 2027" must not move to the day before in another zone.
 */
export function DateTime({ at, withTime = false }: { at: number; withTime?: boolean }) {
  const iso = new Date(at).toISOString()
  if (!withTime) return <time datetime={iso}>{formatDate(at)}</time>
  const utc = formatDateTime(at)
  return (
    <time datetime={iso} title={utc} data-local-time="">
      {utc}
    </time>
  )
}

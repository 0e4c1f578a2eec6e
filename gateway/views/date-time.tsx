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

/** A date, or with `withTime` a date and time, marked up for machines as well. */
export function DateTime({ at, withTime = false }: { at: number; withTime?: boolean }) {
  return <time datetime={new Date(at).toISOString()}>{withTime ? formatDateTime(at) : formatDate(at)}</time>
}

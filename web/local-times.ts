/**
 * Times on the account and admin pages come in UTC ("23 Nov 2026, 09:44 UTC"), whatever zone the
 * server runs in, with the same text in the title. Each `<time data-local-time>` is rewritten here to
 * the browser's own zone and way of writing dates; the title is left, so hovering still shows the UTC.
 * Without this script the UTC text stays, and says it is UTC.
 */
const parts: Intl.DateTimeFormatOptions = {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
}
// The year only when it is not this one: the history's times are mostly recent, its column narrow.
const thisYear = new Intl.DateTimeFormat(undefined, parts)
const otherYear = new Intl.DateTimeFormat(undefined, { ...parts, year: 'numeric' })
const currentYear = new Date().getFullYear()

for (const time of document.querySelectorAll<HTMLTimeElement>('time[data-local-time]')) {
  const at = new Date(time.dateTime)
  if (Number.isNaN(at.getTime())) continue
  if (time.title === '') time.title = time.textContent ?? ''
  time.textContent = (at.getFullYear() === currentYear ? thisYear : otherYear).format(at)
}

const unitInMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** Seconds as a number, or a string such as "250ms", "30s", "5m", "12h", "30d"; null when unreadable. */
export function parseDuration(value: number | string): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1_000 : null
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value.trim())
  if (!match) return null
  return Number(match[1]) * unitInMs[match[2] as keyof typeof unitInMs]
}

/** "30 days", "12 hours", "1 day": a whole-unit length for people; rounds down to the largest unit. */
export function describeDuration(ms: number): string {
  const [unit, size] =
    ms >= unitInMs.d ? ['day', unitInMs.d] : ms >= unitInMs.h ? ['hour', unitInMs.h] : ['minute', unitInMs.m]
  const count = Math.max(1, Math.floor(ms / size))
  return `${count} ${unit}${count === 1 ? '' : 's'}`
}

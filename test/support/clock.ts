import type { Clock } from '../../gateway/deps.ts'

/** A clock the test moves: expiry and TOTP time steps without sleeping. */
export class FixedClock implements Clock {
  constructor(private ms = Date.UTC(2026, 10, 23, 9, 0, 0)) {}

  now(): number {
    return this.ms
  }

  advance(ms: number): void {
    this.ms += ms
  }
}

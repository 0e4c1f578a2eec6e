import { generate } from 'otplib'
import type { FixedClock } from './clock.ts'

/** The code an authenticator app would show at the clock's time, `stepOffset` periods away. */
export function totpCode(secret: string, clock: FixedClock, stepOffset = 0, period = 30): Promise<string> {
  return generate({ secret, epoch: Math.floor(clock.now() / 1000) + stepOffset * period, period })
}

import { setTimeout as delay } from 'node:timers/promises'

/** Polls `attempt` until it resolves, for at most `deadlineMs`; then rethrows its last error. */
export async function waitFor<T>(attempt: () => Promise<T>, deadlineMs = 10_000): Promise<T> {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    try {
      return await attempt()
    } catch (error) {
      if (Date.now() > deadline) throw error
      await delay(25)
    }
  }
}

import { availableParallelism } from 'node:os'
import type { Config } from '../config/schema.ts'

/** How many processes serve requests: `server.workers`, `auto` being one per CPU core. */
export function workerCount({ workers }: Config['server']): number {
  return workers === 'auto' ? availableParallelism() : workers
}

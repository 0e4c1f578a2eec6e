import type { Logger } from 'pino'
import type { Config } from './config/schema.ts'
import type { Store } from './store/store.ts'

export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** Everything a request handler may touch, injected once; no module singletons. */
export interface Deps {
  config: Config
  store: Store
  clock: Clock
  log: Logger
}

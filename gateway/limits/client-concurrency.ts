import { addressBlock } from '../http/address-block.ts'

/**
 * How many requests each client (an address, an IPv6 /64: address-block.ts) has in progress, capped
 * at `max`: one client cannot hold every connection to the panel, or every socket tapgate serves.
 */
export class ClientConcurrency {
  readonly #inProgress = new Map<string, number>()

  constructor(readonly max: number) {}

  /** A release function (idempotent) when the client is under its cap, else null. */
  enter(address: string): (() => void) | null {
    const block = addressBlock(address)
    const count = this.#inProgress.get(block) ?? 0
    if (count >= this.max) return null
    this.#inProgress.set(block, count + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (this.#inProgress.get(block) ?? 1) - 1
      // Emptied entries go, so a stream of one-off addresses cannot grow the map.
      if (left === 0) this.#inProgress.delete(block)
      else this.#inProgress.set(block, left)
    }
  }

  /** Requests in progress for this client's block. */
  inProgress(address: string): number {
    return this.#inProgress.get(addressBlock(address)) ?? 0
  }
}

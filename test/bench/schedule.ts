/** A reference and the targets whose slices stand between its slices. */
export interface Pairing<T> {
  reference: T
  others: readonly T[]
}

/**
 * The order of the measured slices: per round, each pairing's reference first and again after every
 * other slice of that pairing, so that each slice stands between two of its reference's
 * (R A R B R C R R' W R' R A R …). Whatever slows the machine down for longer than a slice (another job,
 * a noisy neighbour on the VM, the CPU's clock) then weighs on both sides of a pair, and their ratio
 * keeps only what the targets cost.
 */
export function pairedSchedule<T>(pairings: readonly Pairing<T>[], rounds: number): T[] {
  const order: T[] = []
  for (let round = 0; round < rounds; round++) {
    for (const { reference, others } of pairings) {
      // A round that follows one of the same pairing starts from the reference slice that ended it.
      if (order.at(-1) !== reference) order.push(reference)
      for (const target of others) order.push(target, reference)
    }
  }
  return order
}

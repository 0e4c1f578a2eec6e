/**
 * The order of the measured slices: the reference first and again after every other slice, so that
 * each slice of another target stands between two of the reference's (R A R B R C R A R …). Whatever
 * slows the machine down for longer than a slice (another job, a noisy neighbour on the VM, the CPU's
 * clock) then weighs on both sides of a pair, and their ratio keeps only what the targets cost.
 */
export function pairedSchedule<T>(reference: T, others: readonly T[], rounds: number): T[] {
  const order = [reference]
  for (let round = 0; round < rounds; round++) {
    for (const target of others) order.push(target, reference)
  }
  return order
}

import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** The unit of utime and stime in /proc (100 on most Linux systems). */
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())

/**
 * User plus system CPU time the processes have used so far, all their threads included, in
 * microseconds. Read from /proc/PID/stat, so it works for any process, the compiled gateway included,
 * without asking it. A process's own figures leave out its children's until it has waited for them
 * (they are added on exit, as cutime), so a gateway's workers are counted by passing their pids too.
 * The resolution is one clock tick per process (10 ms at 100 Hz): well under 1% of a slice that keeps
 * a proxy busy for seconds.
 */
export function cpuMicros(pids: readonly number[]): number {
  return pids.reduce((total, pid) => total + processCpuMicros(pid), 0)
}

function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Field 2, the command name, is in parentheses and may hold spaces: count from after it, where
  // field 3 (state) is at index 0, so utime (14) and stime (15) are at 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1_000_000
}

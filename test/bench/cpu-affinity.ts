// Which CPUs a process may run on, through taskset (util-linux). A CPU list is taskset's: "1", "0,1", "0-3".
import { execFileSync } from 'node:child_process'

/** Restricts every thread of a process (-a) to `cpus`; children started later inherit it. */
export function pinToCpus(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' })
}

/** The CPUs a process may run on now, e.g. "0,1". */
export function cpusOf(pid: number): string {
  const answer = execFileSync('taskset', ['-p', '-c', String(pid)], { encoding: 'utf8' })
  // "pid 123's current affinity list: 0,1"
  return answer.slice(answer.lastIndexOf(':') + 1).trim()
}

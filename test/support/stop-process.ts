import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'

/** True once the process has exited, by itself or by a signal. */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/**
 * SIGTERM, so the process can close cleanly, then SIGKILL if it has not exited within `graceMs`;
 * resolves once it has exited (its ports are closed).
 */
export async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (hasExited(child)) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

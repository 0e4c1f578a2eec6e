import { isDeepStrictEqual } from 'node:util'
import type { Config } from './schema.ts'

/**
 * Settings a running gateway cannot take from a reloaded config: its listening sockets, its store
 * connection, its pool of panel connections, the key its stored secrets are sealed with, and the pid
 * file it wrote. A reload keeps their running values; the log names the ones that changed.
 */
export const restartOnlyKeys = [
  'listen',
  'metrics',
  'pid_file',
  'server',
  'store',
  'encryption_key',
  'upstream.url',
  'upstream.tls',
  'upstream.timeout',
  'upstream.pool',
] as const

type RestartOnlyKey = (typeof restartOnlyKeys)[number]

function valueAt(config: Config, key: RestartOnlyKey): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)?.[part], config)
}

/** The restart-only settings whose value differs between the running config and the reloaded one. */
export function restartOnlyChanges(running: Config, reloaded: Config): RestartOnlyKey[] {
  return restartOnlyKeys.filter((key) => !isDeepStrictEqual(valueAt(running, key), valueAt(reloaded, key)))
}

/** The reloaded config with every restart-only setting as the running gateway has it. */
export function withRestartOnlyKept(running: Config, reloaded: Config): Config {
  return restartOnlyKeys.reduce(
    (config, key) => withValueAt(config, key.split('.'), valueAt(running, key)),
    reloaded,
  )
}

/** A copy of `node` with the value at `path` replaced; what is off the path is shared, not copied. */
function withValueAt<T>(node: T, [head, ...rest]: string[], value: unknown): T {
  const record = node as Record<string, unknown>
  const key = head as string
  return { ...record, [key]: rest.length === 0 ? value : withValueAt(record[key], rest, value) } as T
}

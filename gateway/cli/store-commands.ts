import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { systemClock } from '../deps.ts'
import { identityFileOf } from '../store/identity-file.ts'
import { openStore, type StoreConfig, storeKind } from '../store/open-store.ts'
import { holdServingLock } from '../store/sqlite-serving-lock.ts'
import type { MovableStore } from '../store/store-entry.ts'
import { exportStore, importEntries, isEmptyStore, readStoreExport } from '../store/store-export-file.ts'
import { type Acceptance, StoreIdentity } from '../store/store-identity.ts'
import { loadCommandConfig } from './config-path.ts'

export const storeUsage = `Usage: tapgate store <command>   (--config FILE; see tapgate --help)

Commands:
  accept-empty    the store lost its data (a Redis restarted without persistence) and you accept it:
                  gateways offer enrollment again, so users whose factors were lost set up a new one
                  with their password alone (or an enrollment code, with first_enrollment: invite)
  export FILE     writes every entry of the configured store to FILE (new, mode 0600: it holds sealed
                  factors and session records); stop the gateways first
  import FILE     writes an export into the configured store, which must be empty (another backend:
                  SQLite <-> Redis); the same encryption_key must be configured, as values stay sealed
`

const outcomes: Record<Acceptance, (file: string) => string> = {
  intact: (file) => `The store holds the identity in ${file}: nothing to accept.`,
  restored: (file) =>
    `Accepted the empty store: it holds the identity in ${file} again, and every gateway that ` +
    'expects it offers enrollment again.',
  adopted: (file) =>
    `Accepted the store as it is: ${file} now holds its identity, and this gateway offers enrollment ` +
    'again. Run this on every gateway host whose log says store_replaced.',
}

/**
 * `tapgate store accept-empty`: the operator's acknowledgement that the store lost its data, which
 * is what lets gateways offer enrollment on it again (gateway/store/store-identity.ts).
 * `tapgate store export FILE` / `import FILE`: moving between backends without everyone enrolling
 * again. Exit codes: 0 ok, 1 error (one line on stderr), 2 usage or config.
 */
export async function storeCommand(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseStoreArgs>
  try {
    parsed = parseStoreArgs(args)
  } catch (error) {
    process.stderr.write(`tapgate: ${(error as Error).message}\n${storeUsage}`)
    return 2
  }
  const { values, positionals } = parsed
  const [command, file] = positionals
  const known =
    (command === 'accept-empty' && positionals.length === 1) ||
    ((command === 'export' || command === 'import') && positionals.length === 2)
  if (!known) {
    process.stderr.write(storeUsage)
    return 2
  }
  const loaded = loadCommandConfig(values.config)
  if (loaded === null) return 2
  const { store: settings } = loaded.config
  // A mistyped path would otherwise create an empty store and accept it (or export nothing).
  if (command !== 'import' && storeKind(settings) === 'embedded' && !existsSync(settings.embedded_path)) {
    process.stderr.write(
      `tapgate: no store at ${settings.embedded_path}; has the gateway run with this config?\n`,
    )
    return 1
  }
  if (command === 'export') return exportCommand(settings, file as string)
  if (command === 'import') return importCommand(settings, file as string)
  const store = openStore(settings)
  const identity = new StoreIdentity(store, identityFileOf(settings))
  try {
    const outcome = await identity.acceptAsItIs()
    process.stdout.write(`${outcomes[outcome](identity.file)}\n`)
    return 0
  } catch (error) {
    process.stderr.write(`tapgate: ${(error as Error).message}\n`)
    return 1
  } finally {
    await store.close()
  }
}

async function exportCommand(settings: StoreConfig, file: string): Promise<number> {
  const store = openStore(settings)
  try {
    const { entries } = await exportStore(store, file, systemClock)
    process.stdout.write(`Exported ${entries} entries from the ${storeKind(settings)} store to ${file}.\n`)
    return 0
  } catch (error) {
    return failed(error)
  } finally {
    await store.close()
  }
}

/**
 * Refuses a store that holds anything (a merge could mix two users' factors or two identities), and
 * then makes the gateways configured for it recognise it: the imported identity goes into their
 * identity file, as `accept-empty` would adopt it, so none reports store_replaced.
 */
async function importCommand(settings: StoreConfig, file: string): Promise<number> {
  let exported: Awaited<ReturnType<typeof readStoreExport>>
  try {
    exported = await readStoreExport(file)
  } catch (error) {
    return failed(error)
  }
  // No gateway may serve the embedded file while it is filled.
  let lock: { release(): void } | undefined
  let store: MovableStore | undefined
  try {
    if (storeKind(settings) === 'embedded') lock = holdServingLock(settings.embedded_path)
    store = openStore(settings)
    if (!(await isEmptyStore(store))) {
      process.stderr.write(
        `tapgate: the ${storeKind(settings)} store is not empty; import only into an empty store ` +
          '(nothing was written)\n',
      )
      return 1
    }
    const { imported, expired } = await importEntries(store, exported, systemClock)
    const identity = new StoreIdentity(store, identityFileOf(settings))
    await identity.acceptAsItIs()
    process.stdout.write(
      `Imported ${imported} entries into the ${storeKind(settings)} store` +
        `${expired > 0 ? ` (${expired} more had expired since the export)` : ''}; ` +
        `${identity.file} holds its identity.\n`,
    )
    return 0
  } catch (error) {
    return failed(error)
  } finally {
    await store?.close()
    lock?.release()
  }
}

function failed(error: unknown): number {
  const reason = error as NodeJS.ErrnoException
  const message =
    reason.code === 'EEXIST' ? `${reason.path} exists already; export to a new file` : reason.message
  process.stderr.write(`tapgate: ${message}\n`)
  return 1
}

function parseStoreArgs(args: string[]) {
  return parseArgs({ args, options: { config: { type: 'string' } }, allowPositionals: true })
}

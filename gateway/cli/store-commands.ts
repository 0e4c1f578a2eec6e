import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { identityFileOf } from '../store/identity-file.ts'
import { openStore, storeKind } from '../store/open-store.ts'
import { type Acceptance, StoreIdentity } from '../store/store-identity.ts'
import { loadCommandConfig } from './config-path.ts'

export const storeUsage = `Usage: tapgate store <command>   (--config FILE; see tapgate --help)

Commands:
  accept-empty    the store lost its data (a Redis restarted without persistence) and you accept it:
                  gateways offer enrollment again, so users whose factors were lost set up a new one
                  with their password alone (or an enrollment code, with first_enrollment: invite)
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
 * is what lets gateways offer enrollment on it again (gateway/store/store-identity.ts). Exit codes:
 * 0 ok, 1 error (one line on stderr), 2 usage.
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
  if (positionals.length !== 1 || positionals[0] !== 'accept-empty') {
    process.stderr.write(storeUsage)
    return 2
  }
  const loaded = loadCommandConfig(values.config)
  if (loaded === null) return 2
  const { store: settings } = loaded.config
  // A mistyped path would otherwise create an empty store and accept it.
  if (storeKind(settings) === 'embedded' && !existsSync(settings.embedded_path)) {
    process.stderr.write(
      `tapgate: no store at ${settings.embedded_path}; has the gateway run with this config?\n`,
    )
    return 1
  }
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

function parseStoreArgs(args: string[]) {
  return parseArgs({ args, options: { config: { type: 'string' } }, allowPositionals: true })
}

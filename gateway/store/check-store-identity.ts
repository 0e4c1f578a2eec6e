import type { Logger } from 'pino'
import { IdentityFileError } from './identity-file.ts'
import type { StoreIdentity } from './store-identity.ts'

/**
 * At start-up: compares the store with the identity this gateway remembers, and says so in the log
 * when enrollment will be refused. A store that is down is not fatal (requests fail closed until it
 * answers, and the check runs again then); an identity file that cannot be read or written is.
 */
export async function checkStoreIdentity({
  storeIdentity,
  log,
}: {
  storeIdentity: StoreIdentity
  log: Logger
}): Promise<void> {
  try {
    const state = await storeIdentity.establish()
    const refusal = 'enrollment refused until an operator runs `tapgate store accept-empty`'
    if (state === 'lost') {
      log.error({ event: 'store_data_lost', file: storeIdentity.file }, `store lost its data: ${refusal}`)
    } else if (state === 'replaced') {
      log.error(
        { event: 'store_replaced', file: storeIdentity.file },
        `store holds another identity than store.identity_file: ${refusal}`,
      )
    } else if (state === 'new') {
      log.info({ event: 'store_identity_created', file: storeIdentity.file }, 'new store: identity written')
    }
  } catch (error) {
    if (error instanceof IdentityFileError) throw error
    log.warn({ event: 'store_unavailable', err: (error as Error).message }, 'store not reachable at start-up')
  }
}

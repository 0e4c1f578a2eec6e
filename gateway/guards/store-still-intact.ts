import type { Context } from 'hono'
import type { GatewayEnv } from '../context.ts'
import type { Services } from '../services.ts'

/** What this file uses of the services. */
type StoreGuardParts = Pick<Services, 'log' | 'storeIdentity'>

/**
 * Asked before a user with no factor enrolls one: a store that lost its data would make every
 * enrolled user look new (see store-identity.ts). False, and logged, when enrollment must be refused.
 */
export async function storeStillIntact(c: Context<GatewayEnv>, s: StoreGuardParts): Promise<boolean> {
  if (await s.storeIdentity.isIntact()) return true
  s.log.error(
    { event: 'store_data_lost', user: c.var.session.user },
    'store lost its data: enrollment refused until an operator runs `tapgate store accept-empty`',
  )
  return false
}

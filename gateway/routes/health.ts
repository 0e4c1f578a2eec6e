import { Hono } from 'hono'
import type { GatewayEnv } from '../context.ts'
import type { Services } from '../services.ts'

const noStore = { 'Cache-Control': 'no-store' }

/**
 * For load balancers and orchestrators: `healthz` answers while the process serves requests;
 * `readyz` only while the store answers too, since without it every protected request fails closed.
 */
export function healthRoutes(s: Services) {
  const routes = new Hono<GatewayEnv>()
  routes.get('/healthz', (c) => c.json({ status: 'ok' }, 200, noStore))
  routes.get('/readyz', async (c) => {
    try {
      await s.store.ping()
      return c.json({ status: 'ready' }, 200, noStore)
    } catch (error) {
      s.log.warn({ event: 'not_ready', err: (error as Error).message }, 'store not reachable')
      return c.json({ status: 'store_unavailable' }, 503, noStore)
    }
  })
  return routes
}

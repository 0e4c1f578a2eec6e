import type { Context } from 'hono'
import type { GatewayEnv } from '../context.ts'
import { respondWithProblem } from '../errors.tsx'
import type { Services } from '../services.ts'
import { UpstreamError } from './forward-request.ts'

/** 504 when the panel was too slow, 502 when it could not be reached; anything else is a bug and rethrown. */
export function respondToUpstreamFailure(c: Context<GatewayEnv>, s: Services, error: unknown, path: string) {
  if (!(error instanceof UpstreamError)) throw error
  s.log.warn({ event: 'upstream_failure', kind: error.kind, path, cause: String(error.cause) }, error.message)
  return respondWithProblem(
    c,
    error.kind === 'timeout' ? 'upstream_timeout' : 'upstream_unreachable',
    s.config.prefix,
  )
}

import type { IncomingMessage, ServerResponse } from 'node:http'
import { sendProblem } from '../errors.tsx'
import { requestIdOf } from '../http/request-id.ts'
import type { Services } from '../services.ts'
import { UpstreamError } from './upstream-error.ts'

/** 504 when the panel was too slow, 502 when it could not be reached; anything else is a bug and rethrown. */
export function sendUpstreamFailure(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  s: Services,
  error: unknown,
  path: string,
): void {
  if (!(error instanceof UpstreamError)) throw error
  s.log.warn(
    {
      event: 'upstream_failure',
      kind: error.kind,
      path,
      cause: String(error.cause),
      requestId: requestIdOf(incoming),
    },
    error.message,
  )
  const code = error.kind === 'timeout' ? 'upstream_timeout' : 'upstream_unreachable'
  sendProblem(incoming, outgoing, code, s.config.prefix)
}

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { type ProblemCode, sendProblem } from '../errors.tsx'
import type { PageSite } from '../http/page-look.ts'
import { requestIdOf } from '../http/request-id.ts'
import type { RequestLimits } from '../limits/request-limits.ts'
import type { Metrics } from '../observability/metrics.ts'
import { UpstreamError } from './upstream-error.ts'

const problemFor = {
  timeout: 'upstream_timeout',
  unreachable: 'upstream_unreachable',
  busy: 'upstream_busy',
} as const satisfies Record<UpstreamError['kind'], ProblemCode>

/** 504 when the panel was too slow, 502 when it could not be reached, 503 when no connection to it came free. */
export function upstreamProblem(error: UpstreamError): ProblemCode {
  return problemFor[error.kind]
}

/** Answers a request the panel failed; anything but an UpstreamError is a bug and rethrown. */
export function sendUpstreamFailure(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  s: PageSite & { limits: RequestLimits; log: Logger; metrics: Metrics },
  error: unknown,
  path: string,
): void {
  if (!(error instanceof UpstreamError)) throw error
  // Its body was cut for its pace: answered and logged there (limits/request-limits.ts); the panel's
  // request failed only because of it.
  if (s.limits.wasCut(incoming)) return
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
  if (error.kind === 'busy') s.metrics.limited.inc({ limit: 'socket_wait' })
  // The rest of an unread body would hold the connection: it closes after the answer instead.
  if (!incoming.complete) outgoing.shouldKeepAlive = false
  sendProblem(incoming, outgoing, upstreamProblem(error), s)
}

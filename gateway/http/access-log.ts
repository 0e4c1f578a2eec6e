import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { requestIdOf } from './request-id.ts'

/** One request's line, filled in as the request path learns it. */
export interface AccessRecord {
  /** Normalised, without the query (which may carry secrets); null when it could not be read. */
  path: string | null
  /** Set for a verified session only. */
  user: string | null
  /**
   * Writes the line once the answer is done or the client went away. `policy`: `tapgate` for
   * tapgate's own pages, else what the rules decided (`refused` when the path was).
   */
  end(outgoing: ServerResponse, policy: string): void
}

/**
 * `access_log: true`: one JSON line per request: method, path, policy, status, bytes (as sent, head
 * included), duration, request id, user. Built only when on, so a gateway without it pays nothing.
 */
export class AccessLog {
  constructor(private readonly log: Logger) {}

  /** Call as the request arrives: the clock and the connection's byte count start here. */
  begin(incoming: IncomingMessage, path: string | null = null): AccessRecord {
    const at = performance.now()
    const sentBefore = incoming.socket.bytesWritten
    const log = this.log
    return {
      path,
      user: null,
      end(outgoing, policy) {
        outgoing.once('close', () => {
          log.info(
            {
              event: 'access',
              method: incoming.method,
              path: this.path,
              policy,
              status: outgoing.statusCode,
              bytes: incoming.socket.bytesWritten - sentBefore,
              ms: Math.round((performance.now() - at) * 10) / 10,
              requestId: requestIdOf(incoming),
              ...(this.user === null ? {} : { user: this.user }),
              ...(outgoing.writableFinished ? {} : { aborted: true }),
            },
            'access',
          )
        })
      },
    }
  }
}

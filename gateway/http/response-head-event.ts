import {
  type IncomingMessage,
  type OutgoingHttpHeader,
  type OutgoingHttpHeaders,
  ServerResponse,
} from 'node:http'

/** Emitted by a ResponseWithHeadEvent just before its head is written. */
export const headWritten = 'tapgate:head-written'

/**
 * The server's responses (createServer's `ServerResponse` option). node:http says when a response
 * ends, not when its head goes out, and the per-client count of requests in progress ends there
 * (limits/request-limits.ts). Every head passes through writeHead: write(), end() and flushHeaders()
 * without one call it too.
 */
export class ResponseWithHeadEvent<
  Request extends IncomingMessage = IncomingMessage,
> extends ServerResponse<Request> {
  override writeHead(
    statusCode: number,
    statusMessage?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
    headers?: OutgoingHttpHeaders | OutgoingHttpHeader[],
  ): this {
    if (!this.headersSent) this.emit(headWritten)
    return typeof statusMessage === 'string'
      ? super.writeHead(statusCode, statusMessage, headers)
      : super.writeHead(statusCode, statusMessage ?? headers)
  }
}

import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { Transform, Writable } from 'node:stream'

/** Where an answer's body goes, chosen once its head has been read. */
interface BodySink {
  /** false: the sink is full; the body waits for its 'drain'. */
  write(chunk: Buffer): boolean
  end(): void
  fail(error: Error): void
}

/**
 * Body bytes kept while the answer waits for a reader (its head is being judged, a store write may
 * come first). Past this the panel connection is paused, so a big answer cannot fill memory.
 */
const heldBytesLimit = 64 * 1024

const discarded: BodySink = { write: () => true, end() {}, fail() {} }

/**
 * The panel's answer to one request, from undici's dispatch (forward-request.ts): its head, and a
 * body that goes to exactly one place: relayed to the client (`relayTo`), read (`readText`) or
 * drained so the connection can serve the next request (`discard`).
 */
export class UpstreamAnswer {
  #headers: IncomingHttpHeaders | undefined
  #sink: BodySink | null = null
  #held: Buffer[] = []
  #heldBytes = 0
  #ended = false
  #error: Error | null = null

  constructor(
    readonly statusCode: number,
    readonly statusMessage: string,
    /** Names in the panel's casing, values as sent, every repeat kept. */
    readonly rawHeaders: readonly string[],
    /** Reads on from the panel after a false from `push`. */
    private readonly resume: () => void,
    /** Drops the connection to the panel: the rest of the body is not wanted. */
    private readonly abort: () => void,
  ) {}

  /** The head as node:http reads it: lower-case names, Set-Cookie a list, repeats joined. */
  get headers(): IncomingHttpHeaders {
    this.#headers ??= headersOf(this.rawHeaders)
    return this.#headers
  }

  /** A chunk from the panel; false pauses the connection until the sink (or a reader) wants more. */
  push(chunk: Buffer): boolean {
    if (this.#sink !== null) return this.#sink.write(chunk)
    this.#held.push(chunk)
    this.#heldBytes += chunk.length
    return this.#heldBytes < heldBytesLimit
  }

  complete(): void {
    if (this.#sink === null) this.#ended = true
    else this.#sink.end()
  }

  fail(error: Error): void {
    if (this.#sink === null) this.#error = error
    else this.#sink.fail(error)
  }

  /**
   * Streams the body to the client, through `insertion` when one adds to the page. The client's
   * backpressure pauses the panel; a client that hangs up ends the panel's answer too.
   */
  relayTo(client: ServerResponse, insertion: Transform | null): void {
    this.#checkUntaken()
    const target: Writable = insertion ?? client
    if (insertion !== null) insertion.pipe(client)
    // An answer already here in whole (most small ones) has nothing left to pause or cut short.
    if (!this.#ended) {
      target.on('drain', this.resume)
      client.on('close', () => {
        if (!client.writableFinished) this.abort()
      })
    }
    this.#take({
      write: (chunk) => target.write(chunk),
      end: () => target.end(),
      fail: () => client.destroy(),
    })
  }

  /** Up to `limit` bytes of the body; the rest is drained, not kept, so a huge answer cannot fill memory. */
  readText(limit: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = []
      let size = 0
      this.#take({
        write(chunk) {
          if (size < limit) chunks.push(chunk.subarray(0, limit - size))
          size += chunk.length
          return true
        },
        end: () => resolve(Buffer.concat(chunks)),
        fail: reject,
      })
    })
  }

  /** The body is not wanted: it is read and dropped, so the connection can serve another request. */
  discard(): void {
    this.#take(discarded)
  }

  #checkUntaken(): void {
    if (this.#sink !== null) throw new Error("an upstream answer's body can be taken once only")
  }

  #take(sink: BodySink): void {
    this.#checkUntaken()
    this.#sink = sink
    const held = this.#held
    this.#held = []
    let wantsMore = true
    for (const chunk of held) wantsMore = sink.write(chunk)
    if (this.#error !== null) sink.fail(this.#error)
    else if (this.#ended) sink.end()
    else if (wantsMore) this.resume()
  }
}

/** Headers of which node:http keeps the first when a response repeats them. */
const firstWins = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
])

function headersOf(raw: readonly string[]): IncomingHttpHeaders {
  const headers: Record<string, string | string[]> = {}
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase()
    const value = raw[i + 1] as string
    const seen = headers[name]
    if (name === 'set-cookie') {
      if (Array.isArray(seen)) seen.push(value)
      else headers[name] = [value]
    } else if (seen === undefined) headers[name] = value
    else if (!firstWins.has(name)) headers[name] = `${seen}, ${value}`
  }
  return headers
}

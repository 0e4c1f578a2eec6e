import type { Dispatcher } from 'undici'
import { UpstreamAnswer } from './upstream-answer.ts'
import { UpstreamError } from './upstream-error.ts'

/**
 * One request to the panel, as undici's dispatch handler (one object, no closure per callback): it
 * settles with the answer's head, or an UpstreamError. The head timeout starts once the last byte is
 * sent (onRequestSent, which undici calls on a handler of this shape, untyped).
 */
export class PanelCall implements Dispatcher.DispatchHandler {
  #answer: UpstreamAnswer | null = null
  #failure: UpstreamError | null = null
  #abort: ((error?: Error) => void) | null = null
  #queued: NodeJS.Timeout | undefined
  #headTimer: NodeJS.Timeout | undefined
  readonly #started = performance.now()

  constructor(
    private readonly resolve: (answer: UpstreamAnswer) => void,
    private readonly reject: (error: UpstreamError) => void,
    private readonly timeoutMs: number,
    private readonly onHeadersTimed: (seconds: number) => void,
  ) {}

  /** Waits at most `ms` for a connection ('busy'); the wait ends when the request is written to one. */
  waitForConnection(ms: number): void {
    if (this.#abort === null && this.#failure === null) this.#queued = setTimeout(failCall, ms, this, 'busy')
  }

  fail(error: UpstreamError): void {
    if (this.#answer !== null || this.#failure !== null) return
    this.#failure = error
    clearTimeout(this.#queued)
    clearTimeout(this.#headTimer)
    this.#abort?.(error)
    this.reject(error)
  }

  onConnect(abort: (error?: Error) => void): void {
    clearTimeout(this.#queued)
    this.#abort = abort
    if (this.#failure !== null) abort(this.#failure)
  }

  onRequestSent(): void {
    if (this.#answer === null && this.#failure === null)
      this.#headTimer = setTimeout(failCall, this.timeoutMs, this, 'timeout')
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    clearTimeout(this.#headTimer)
    clearTimeout(this.#queued)
    this.#answer = new UpstreamAnswer(statusCode, statusText, latin1(rawHeaders), resume, () =>
      this.#abort?.(),
    )
    this.onHeadersTimed((performance.now() - this.#started) / 1000)
    this.resolve(this.#answer)
    return true
  }

  onData(chunk: Buffer): boolean {
    return (this.#answer as UpstreamAnswer).push(chunk)
  }

  onComplete(): void {
    this.#answer?.complete()
  }

  onError(error: Error): void {
    if (this.#answer === null) this.fail(new UpstreamError('unreachable', error))
    else this.#answer.fail(error)
  }
}

function failCall(call: PanelCall, kind: 'busy' | 'timeout'): void {
  call.fail(new UpstreamError(kind, null))
}

/** undici hands the head over as raw bytes; node:http reads header text as latin1 too. */
function latin1(raw: readonly Buffer[]): string[] {
  const text: string[] = new Array(raw.length)
  for (let i = 0; i < raw.length; i++) text[i] = (raw[i] as Buffer).toString('latin1')
  return text
}

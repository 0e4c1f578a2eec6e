import type { Readable } from 'node:stream'

export interface BodyPace {
  /** Longest silence while the body is being read. */
  idleMs: number
  /** Bytes per second the body must average once `graceMs` of reading have passed; 0: no minimum. */
  minBytesPerSecond: number
  /** Reading time before the average counts: a body's first bytes may be slow (TCP slow start, a phone waking). */
  graceMs: number
}

export type TooSlow = 'idle' | 'slow'

/**
 * Calls `onTooSlow` once if `body` goes silent for `idleMs`, or after `graceMs` averages fewer than
 * `minBytesPerSecond`, counting only the time it is being read: while the reader holds it back (the
 * panel reading slowly, a wait for a connection to the panel) the client cannot send, and until a
 * reader starts (a session lookup) nothing is asked of it. A fast upload is never held up or buffered.
 *
 * Bytes are counted from the moment a reader starts: a 'data' listener added before that would start
 * the flow itself, and the bytes would go to no one. Returns a function that stops watching.
 */
export function watchBodyPace(body: Readable, pace: BodyPace, onTooSlow: (why: TooSlow) => void): () => void {
  if (body.readableEnded || body.destroyed) return () => {}
  let bytes = 0
  /** Reading time (ms) of the stretches that ended, and the start of the current one (null: held back). */
  let readMs = 0
  let since: number | null = null
  let lastByteAtMs = 0
  let counting = false
  let stopped = false
  let timer: NodeJS.Timeout | undefined

  const readingMs = () => readMs + (since === null ? 0 : performance.now() - since)
  const counted = (chunk: Buffer) => {
    bytes += chunk.length
    lastByteAtMs = readingMs()
  }

  /** One timer for both limits, moved only when it fires: a chunk costs an addition, not a timer. */
  const check = () => {
    const now = readingMs()
    const quietUntil = lastByteAtMs + pace.idleMs
    const paceUntil =
      pace.minBytesPerSecond > 0
        ? Math.max(pace.graceMs, (bytes / pace.minBytesPerSecond) * 1000)
        : Number.POSITIVE_INFINITY
    if (now >= quietUntil) return tooSlow('idle')
    if (now >= paceUntil) return tooSlow('slow')
    timer = setTimeout(check, Math.min(quietUntil, paceUntil) - now)
  }

  // 'pause' comes as the flow stops; 'resume' a tick after it restarts, so the state is read, not assumed.
  const follow = () => {
    if (stopped) return
    const flowing = body.readableFlowing === true
    if (flowing && since === null) {
      since = performance.now()
      if (!counting) {
        counting = true
        body.on('data', counted)
      }
      check()
    } else if (!flowing && since !== null) {
      readMs += performance.now() - since
      since = null
      clearTimeout(timer)
    }
  }

  const stop = () => {
    if (stopped) return
    stopped = true
    clearTimeout(timer)
    body.off('resume', follow)
    body.off('pause', follow)
    body.off('data', counted)
    body.off('end', stop)
    body.off('close', stop)
  }
  const tooSlow = (why: TooSlow) => {
    stop()
    onTooSlow(why)
  }

  body.on('resume', follow)
  body.on('pause', follow)
  body.once('end', stop)
  body.once('close', stop)
  follow()
  return stop
}

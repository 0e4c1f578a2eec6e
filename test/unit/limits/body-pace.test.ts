import { PassThrough, Writable } from 'node:stream'
import { setImmediate as turn } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type TooSlow, watchBodyPace } from '../../../gateway/limits/body-pace.ts'

/**
 * The pace of a request body, on a stream standing in for it. Time is fake here (timers and
 * performance.now), so a silence of a second costs nothing; the network tests with real time are in
 * test/integration/starvation.test.ts.
 */
const pace = { idleMs: 100, minBytesPerSecond: 1000, graceMs: 200 }

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] })
})
afterEach(() => {
  vi.useRealTimers()
})

/** A body, watched; `verdicts` collects what the watch said. */
function watched(settings = pace) {
  const body = new PassThrough()
  const verdicts: TooSlow[] = []
  watchBodyPace(body, settings, (why) => verdicts.push(why))
  return { body, verdicts }
}

/** A reader that takes every chunk at once, or holds each one until `release()` (backpressure). */
function reader(options: { hold?: boolean } = {}) {
  let pending: (() => void) | null = null
  const sink = new Writable({
    highWaterMark: 1,
    write(_chunk, _encoding, done) {
      if (options.hold) pending = done
      else done()
    },
  })
  return {
    sink,
    release() {
      options.hold = false
      pending?.()
      pending = null
    },
  }
}

/** Lets the stream's ticks ('resume' comes a tick late) run, then moves the clock. */
async function elapse(ms: number) {
  await turn()
  await vi.advanceTimersByTimeAsync(ms)
  await turn()
}

describe('watchBodyPace', () => {
  it('cuts a body that goes silent for idleMs while it is read', async () => {
    const { body, verdicts } = watched()
    body.pipe(reader().sink)
    body.write('x'.repeat(500))
    await elapse(99)
    expect(verdicts).toEqual([])
    await elapse(2)
    expect(verdicts).toEqual(['idle'])
  })

  it('counts nothing before a reader starts: a session lookup is not the client’s time', async () => {
    const { body, verdicts } = watched()
    body.write('x')
    await elapse(1_000)
    expect(verdicts).toEqual([])
    body.pipe(reader().sink)
    await elapse(99)
    expect(verdicts).toEqual([])
    await elapse(2)
    expect(verdicts).toEqual(['idle'])
  })

  it('counts nothing while the reader holds the body back: a slow panel is not the client’s time', async () => {
    const { body, verdicts } = watched()
    const held = reader({ hold: true })
    body.pipe(held.sink)
    for (let i = 0; i < 40; i++) body.write('x'.repeat(1024))
    await elapse(1_000)
    expect(body.isPaused()).toBe(true)
    expect(verdicts).toEqual([])
    held.release()
    body.end()
    await elapse(1_000)
    expect(verdicts).toEqual([])
  })

  it('cuts a body that never goes silent but averages below the minimum rate once the grace is over', async () => {
    const { body, verdicts } = watched({ idleMs: 100, minBytesPerSecond: 1000, graceMs: 200 })
    body.pipe(reader().sink)
    // 10 bytes every 20 ms: 500 bytes per second.
    for (let elapsed = 0; elapsed < 180; elapsed += 20) {
      body.write('x'.repeat(10))
      await elapse(20)
    }
    expect(verdicts).toEqual([])
    body.write('x'.repeat(10))
    await elapse(20)
    expect(verdicts).toEqual(['slow'])
  })

  it('lets a body at the minimum rate or above run as long as it needs, and stops watching at its end', async () => {
    const { body, verdicts } = watched()
    body.pipe(reader().sink)
    // 10 bytes every 5 ms: 2000 bytes per second, for three seconds.
    for (let elapsed = 0; elapsed < 3_000; elapsed += 5) {
      body.write('x'.repeat(10))
      await elapse(5)
    }
    body.end()
    await elapse(10_000)
    expect(verdicts).toEqual([])
  })

  it('has no minimum rate when minBytesPerSecond is 0', async () => {
    const { body, verdicts } = watched({ idleMs: 100, minBytesPerSecond: 0, graceMs: 0 })
    body.pipe(reader().sink)
    for (let elapsed = 0; elapsed < 1_000; elapsed += 90) {
      body.write('x')
      await elapse(90)
    }
    expect(verdicts).toEqual([])
  })

  it('gives its verdict once, and none after the body closed', async () => {
    const cut = watched()
    cut.body.pipe(reader().sink)
    await elapse(500)
    expect(cut.verdicts).toEqual(['idle'])

    const closed = watched()
    closed.body.pipe(reader().sink)
    closed.body.destroy()
    await elapse(500)
    expect(closed.verdicts).toEqual([])
  })
})

import { EventEmitter, once } from 'node:events'
import { createServer, get, IncomingMessage, type Server, ServerResponse } from 'node:http'
import { type AddressInfo, Socket } from 'node:net'
import { Transform } from 'node:stream'
import { setImmediate as turn } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { UpstreamAnswer } from '../../../gateway/proxy/upstream-answer.ts'

/**
 * The panel's answer as undici hands it over (gateway/proxy/forward-request.ts): a head, then body
 * chunks pushed in, with fake resume and abort functions standing in for the connection. Relaying
 * goes to a real node:http response on 127.0.0.1, read by a real client.
 */
const heldLimit = 64 * 1024

/** An answer whose connection controls are counted in `calls` and heard as 'resume' / 'abort' on `events`. */
function answerOf(rawHeaders: string[] = []) {
  const calls = { resumed: 0, aborted: 0 }
  const events = new EventEmitter()
  const answer = new UpstreamAnswer(
    200,
    'OK',
    rawHeaders,
    () => {
      calls.resumed++
      events.emit('resume')
    },
    () => {
      calls.aborted++
      events.emit('abort')
    },
  )
  return { answer, calls, events }
}

/** Whether `promise` has settled once every callback already queued has run. */
async function stateOf(promise: Promise<unknown>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  let state: 'pending' | 'fulfilled' | 'rejected' = 'pending'
  promise.then(
    () => {
      state = 'fulfilled'
    },
    () => {
      state = 'rejected'
    },
  )
  await turn()
  return state
}

describe('the head', () => {
  it('reads names in lower case, keeps every Set-Cookie in a list, joins other repeats and keeps the first Content-Type and Location', () => {
    const { answer } = answerOf([
      'Content-Type',
      'text/html',
      'Set-Cookie',
      'a=1; Path=/',
      'X-Thing',
      'one',
      'set-cookie',
      'b=2',
      'x-thing',
      'two',
      'CONTENT-TYPE',
      'text/plain',
      'Location',
      '/first',
      'location',
      '/second',
      'SET-COOKIE',
      'a=3; Path=/admin',
      'Cache-Control',
      'no-store',
    ])
    expect(answer.headers).toEqual({
      'content-type': 'text/html',
      'set-cookie': ['a=1; Path=/', 'b=2', 'a=3; Path=/admin'],
      'x-thing': 'one, two',
      location: '/first',
      'cache-control': 'no-store',
    })
  })

  it('gives a lone Set-Cookie as a list of one', () => {
    expect(answerOf(['Set-Cookie', 'only=1']).answer.headers).toEqual({ 'set-cookie': ['only=1'] })
  })

  it('keeps the raw list as it came', () => {
    const raw = ['X-A', '1', 'x-a', '2']
    expect(answerOf(raw).answer.rawHeaders).toEqual(raw)
  })

  it('reads a repeated head exactly as node:http does', async () => {
    // Every header node:http keeps the first of, twice; Set-Cookie in three spellings; others joined.
    // (A Cookie header, which node:http joins with '; ', has no meaning in a response: left out.)
    const firstWins = [
      'Age',
      'Authorization',
      'Content-Type',
      'ETag',
      'Expires',
      'From',
      'Host',
      'If-Modified-Since',
      'If-Unmodified-Since',
      'Last-Modified',
      'Location',
      'Max-Forwards',
      'Proxy-Authorization',
      'Referer',
      'Retry-After',
      'Server',
      'User-Agent',
    ]
    const sent = [
      ...firstWins.flatMap((name) => [name, `${name} first`, name.toLowerCase(), `${name} second`]),
      ...['Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'SET-COOKIE', 'c=3'],
      ...['Vary', 'Accept', 'vary', 'Origin', 'X-Custom', 'x', 'X-CUSTOM', 'y'],
      ...['Content-Disposition', 'inline'],
    ]
    const server = createServer((_request, response) => {
      response.writeHead(200, sent)
      response.end('ok')
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      const [response] = (await once(
        get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { agent: false }),
        'response',
      )) as [IncomingMessage]
      response.resume()
      const ours = answerOf(response.rawHeaders).answer.headers
      expect(ours).toEqual(response.headers)
      expect(ours['content-type']).toBe('Content-Type first')
      expect(ours['set-cookie']).toEqual(['a=1', 'b=2', 'c=3'])
    } finally {
      server.close()
    }
  })
})

describe('a body that arrives before a reader is chosen', () => {
  it('is held and read in order, with the chunks that come after', async () => {
    const { answer } = answerOf()
    expect(answer.push(Buffer.from('one '))).toBe(true)
    expect(answer.push(Buffer.from('two '))).toBe(true)
    const text = answer.readText(1024)
    answer.push(Buffer.from('three'))
    answer.complete()
    expect((await text).toString()).toBe('one two three')
  })

  it('is read whole when it ended before the reader came', async () => {
    const { answer, calls } = answerOf()
    answer.push(Buffer.from('all '))
    answer.push(Buffer.from('here'))
    answer.complete()
    expect((await answer.readText(1024)).toString()).toBe('all here')
    // Nothing is left to read: the connection needs no resuming.
    expect(calls.resumed).toBe(0)
  })

  it('pauses the connection once 64 KiB are held, and resumes it when a reader takes the body', async () => {
    const { answer, calls } = answerOf()
    expect(answer.push(Buffer.alloc(heldLimit / 2, 'a'))).toBe(true)
    expect(answer.push(Buffer.alloc(heldLimit / 2 - 1, 'b'))).toBe(true)
    expect(answer.push(Buffer.from('c'))).toBe(false)
    expect(calls.resumed).toBe(0)

    const text = answer.readText(2 * heldLimit)
    expect(calls.resumed).toBe(1)
    expect(answer.push(Buffer.from('d'))).toBe(true)
    answer.complete()
    const body = await text
    expect(body.length).toBe(heldLimit + 1)
    expect(body.subarray(heldLimit - 2).toString()).toBe('bcd')
    expect(calls.aborted).toBe(0)
  })

  it('rejects the read when the connection failed before a reader came', async () => {
    const { answer } = answerOf()
    answer.push(Buffer.from('partial'))
    const reset = new Error('socket hang up')
    answer.fail(reset)
    await expect(answer.readText(1024)).rejects.toBe(reset)
  })
})

describe('readText', () => {
  it('keeps only `limit` bytes but resolves only when the body is complete', async () => {
    const { answer } = answerOf()
    const text = answer.readText(5)
    expect(answer.push(Buffer.from('0123'))).toBe(true)
    expect(answer.push(Buffer.from('4567'))).toBe(true)
    // Past the limit the body is still read (and dropped), so the connection can serve another request.
    expect(answer.push(Buffer.alloc(heldLimit * 2))).toBe(true)
    expect(await stateOf(text)).toBe('pending')
    answer.complete()
    expect((await text).toString()).toBe('01234')
  })

  it('keeps only `limit` bytes of a body held before it came', async () => {
    const { answer } = answerOf()
    answer.push(Buffer.from('abc'))
    answer.push(Buffer.from('def'))
    const text = answer.readText(4)
    expect(await stateOf(text)).toBe('pending')
    answer.complete()
    expect((await text).toString()).toBe('abcd')
  })

  it('rejects when the connection fails mid-body', async () => {
    const { answer } = answerOf()
    const text = answer.readText(1024)
    answer.push(Buffer.from('some'))
    const reset = new Error('other side closed')
    answer.fail(reset)
    await expect(text).rejects.toBe(reset)
  })
})

describe('the body goes to one place only', () => {
  /** A real response nobody will read: taking the body twice must fail before it is written to. */
  const idleResponse = () => new ServerResponse(new IncomingMessage(new Socket()))

  it('throws when a read body is taken again; a second read rejects', async () => {
    const { answer } = answerOf()
    const text = answer.readText(10)
    await expect(answer.readText(10)).rejects.toThrow(/once only/)
    expect(() => answer.discard()).toThrow(/once only/)
    expect(() => answer.relayTo(idleResponse(), null)).toThrow(/once only/)
    answer.push(Buffer.from('still read'))
    answer.complete()
    expect((await text).toString()).toBe('still read')
  })

  it('throws when a discarded body is taken again', async () => {
    const { answer } = answerOf()
    answer.discard()
    expect(() => answer.discard()).toThrow(/once only/)
    expect(() => answer.relayTo(idleResponse(), null)).toThrow(/once only/)
    await expect(answer.readText(10)).rejects.toThrow(/once only/)
  })

  it('throws when a relayed body is taken again', async () => {
    const { answer } = answerOf()
    answer.relayTo(idleResponse(), null)
    expect(() => answer.discard()).toThrow(/once only/)
    await expect(answer.readText(10)).rejects.toThrow(/once only/)
  })
})

describe('discard', () => {
  it('resumes a paused answer and drops the rest of its body', () => {
    const { answer, calls } = answerOf()
    answer.push(Buffer.alloc(heldLimit / 2))
    expect(answer.push(Buffer.alloc(heldLimit / 2))).toBe(false)
    answer.discard()
    expect(calls.resumed).toBe(1)
    expect(answer.push(Buffer.alloc(heldLimit * 4))).toBe(true)
    answer.complete()
    expect(calls.aborted).toBe(0)
  })

  it('does not resume an answer whose body already ended, nor abort it', () => {
    const { answer, calls } = answerOf()
    answer.push(Buffer.from('done'))
    answer.complete()
    answer.discard()
    expect(calls).toEqual({ resumed: 0, aborted: 0 })
  })
})

describe('relayTo, into a real response', () => {
  let servers: Server[] = []
  afterEach(() => {
    for (const server of servers) {
      server.closeAllConnections()
      server.close()
    }
    servers = []
  })

  /**
   * A server whose one response relays `answer` (through `insertion`, if any), and a client asking
   * for it. `served` is the server's side of it once relayTo was called; `closed` settles when that
   * response closes, after relayTo's own 'close' listener has run.
   */
  async function relay(answer: UpstreamAnswer, insertion: Transform | null = null) {
    let serve!: (exchange: { response: ServerResponse; closed: Promise<unknown> }) => void
    const served = new Promise<{ response: ServerResponse; closed: Promise<unknown> }>((resolve) => {
      serve = resolve
    })
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain' })
      answer.relayTo(response, insertion)
      serve({ response, closed: once(response, 'close') })
    })
    servers.push(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const request = get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { agent: false })
    request.on('error', () => {})
    // The head leaves with the first body bytes: the caller pushes some before the client hears back.
    return { request, served }
  }

  function bodyOf(response: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (part: string) => {
        text += part
      })
      response.once('end', () => resolve(text))
      response.once('error', reject)
    })
  }

  it('sends the held bytes, then the rest, and never aborts a relay that finished', async () => {
    const { answer, calls } = answerOf()
    answer.push(Buffer.from('held, '))
    const { request, served } = await relay(answer)
    const [response] = (await once(request, 'response')) as [IncomingMessage]
    const body = bodyOf(response)
    answer.push(Buffer.from('then streamed'))
    answer.complete()
    expect(await body).toBe('held, then streamed')
    const { response: relayed, closed } = await served
    await closed
    expect(relayed.writableFinished).toBe(true)
    expect(calls.aborted).toBe(0)
  })

  it('pauses the panel while the response is full, and resumes it when the response drains', async () => {
    const { answer, calls, events } = answerOf()
    answer.push(Buffer.from('start'))
    const { request } = await relay(answer)
    const [response] = (await once(request, 'response')) as [IncomingMessage]
    response.pause()
    const resumedBefore = calls.resumed
    // More than the response buffers while its client does not read: it says it is full.
    const big = Buffer.alloc(4 * 1024 * 1024, 'x')
    expect(answer.push(big)).toBe(false)
    expect(calls.resumed).toBe(resumedBefore)

    const resumed = once(events, 'resume')
    let received = 0
    response.on('data', (chunk: Buffer) => {
      received += chunk.length
    })
    response.resume()
    await resumed
    const ended = once(response, 'end')
    answer.complete()
    await ended
    expect(received).toBe('start'.length + big.length)
    expect(calls.aborted).toBe(0)
  })

  it('aborts the panel request when the client hangs up before the body is finished', async () => {
    const { answer, calls, events } = answerOf()
    answer.push(Buffer.from('first part'))
    const { request, served } = await relay(answer)
    const [response] = (await once(request, 'response')) as [IncomingMessage]
    await once(response, 'data')
    const aborted = once(events, 'abort')
    request.destroy()
    await aborted
    const { response: relayed, closed } = await served
    await closed
    expect(relayed.writableFinished).toBe(false)
    expect(calls.aborted).toBe(1)
  })

  it('cuts the client off when the panel fails mid-body', async () => {
    const { answer } = answerOf()
    answer.push(Buffer.from('first part'))
    const { request, served } = await relay(answer)
    const [response] = (await once(request, 'response')) as [IncomingMessage]
    const ended = new Promise<boolean>((resolve) => {
      response.once('end', () => resolve(true))
      response.once('aborted', () => resolve(false))
      response.once('error', () => resolve(false))
    })
    response.resume()
    answer.fail(new Error('panel went away'))
    expect(await ended).toBe(false)
    const { response: relayed } = await served
    expect(relayed.destroyed).toBe(true)
  })

  it('passes the body through an insertion and ends the response after it', async () => {
    const { answer, calls } = answerOf()
    const upperCase = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        done(null, chunk.toString().toUpperCase())
      },
    })
    answer.push(Buffer.from('held '))
    const { request, served } = await relay(answer, upperCase)
    const [response] = (await once(request, 'response')) as [IncomingMessage]
    const body = bodyOf(response)
    answer.push(Buffer.from('and more'))
    answer.complete()
    expect(await body).toBe('HELD AND MORE')
    await (await served).closed
    expect(calls.aborted).toBe(0)
  })
})

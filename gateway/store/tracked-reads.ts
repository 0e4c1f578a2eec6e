import type { Redis } from 'ioredis'

/** The channel Redis tells a RESP2 connection of changed keys on (client-side caching). */
const invalidationChannel = '__redis__:invalidate'

/** Values kept at most; the oldest goes first. A session is small, so this is a few MB at most. */
const defaultMaxEntries = 10_000

/** How often the feed is asked for a PING, to learn that it still hears Redis. */
const heartbeatMs = 500

/**
 * Copies are served only while the feed has been heard from this recently: a connection that died
 * without a word (a NAT or firewall dropping it) stops being trusted within this, though no 'close'
 * ever comes. The one case in which a change may go unseen, for at most this long.
 */
const silenceLimitMs = 2_000

/**
 * Local copies of the values under one key prefix, kept coherent by Redis itself: a connection of
 * their own asks Redis (CLIENT TRACKING … BCAST PREFIX) to tell it of every change to a key under
 * the prefix, by whichever client, and each change drops the copy. Redis queues that message before
 * it answers the client that made the change, so a revocation (logout, reset, revoke) has reached
 * every gateway before the request that made it returns (DESIGN invariant 6).
 *
 * Copies are kept only while that connection is up and subscribed: when it drops, every copy goes
 * and reads go to Redis until it is back, so a missed message can never leave a stale copy.
 */
export class TrackedReads {
  readonly #feed: Redis
  readonly #prefix: string
  readonly #maxEntries: number
  readonly #entries = new Map<string, unknown>()
  /** Reads on their way from Redis; a change meanwhile withdraws the ticket, and the answer is not kept. */
  readonly #pending = new Map<string, object>()
  /** Hits waiting for the turn's received I/O to be handled (#afterReceivedIO). */
  readonly #waiting: Array<() => void> = []
  #coherent = false
  /** When the feed last answered (performance.now()). */
  #heardAt = 0
  /** Counts the feed's connections, so a set-up that outlived its connection changes nothing. */
  #connection = 0
  readonly #heartbeat: NodeJS.Timeout

  constructor(client: Redis, prefix: string, maxEntries = defaultMaxEntries) {
    this.#prefix = prefix
    this.#maxEntries = maxEntries
    // RESP2: a RESP3 connection hears of changes as pushes ioredis drops. Its own subscriptions are
    // renewed by #follow on every connection, after tracking is switched on.
    this.#feed = client.duplicate({ protocol: 2, autoResubscribe: false })
    this.#feed.on('error', () => {})
    // The socket's own end or error, not ioredis's 'close': that comes turns later, and a change made
    // meanwhile would go unheard while its copy is still served.
    this.#feed.on('connect', () => {
      this.#feed.stream.once('end', () => this.#lose())
      this.#feed.stream.once('error', () => this.#lose())
    })
    this.#feed.on('ready', () => void this.#follow(this.#connection))
    this.#feed.on('close', () => this.#lose())
    this.#feed.on('messageBuffer', (_channel: Buffer, keys: Buffer[] | null) => this.#forget(keys))
    this.#heartbeat = setInterval(() => this.#listen(), heartbeatMs).unref()
  }

  /** Whether copies are being kept: the feed is up and was heard from lately. Reads are correct either way. */
  get coherent(): boolean {
    return this.#coherent && performance.now() - this.#heardAt <= silenceLimitMs
  }

  /**
   * The parsed value of `key`: the local copy when there is one, else `fetch`ed and parsed (and kept
   * when the key is under the prefix). null values are not kept: a made-up token costs a read, not room.
   */
  read<T>(
    key: string,
    fetch: () => Promise<string | null>,
    parse: (text: string) => T | null,
  ): Promise<T | null> {
    if (!this.coherent || !key.startsWith(this.#prefix)) {
      return fetch().then((text) => (text === null ? null : parse(text)))
    }
    if (!this.#entries.has(key)) return this.#fetchAndKeep(key, fetch, parse)
    const copy = this.#entries.get(key) as T
    // Served after the I/O already received: a change message that arrived with this request is
    // applied first.
    return new Promise((resolve) =>
      this.#afterReceivedIO(() =>
        resolve(this.#entries.get(key) === copy ? copy : this.read(key, fetch, parse)),
      ),
    )
  }

  close(): void {
    clearInterval(this.#heartbeat)
    this.#feed.disconnect()
  }

  async #fetchAndKeep<T>(
    key: string,
    fetch: () => Promise<string | null>,
    parse: (text: string) => T | null,
  ): Promise<T | null> {
    const ticket = {}
    this.#pending.set(key, ticket)
    const text = await fetch()
    const value = text === null ? null : parse(text)
    if (this.#pending.get(key) === ticket) {
      this.#pending.delete(key)
      if (value !== null && this.#coherent) this.#keep(key, value)
    }
    return value
  }

  /** Runs `serve` once the event loop has handled the I/O it has received: one setImmediate for every hit of a turn. */
  #afterReceivedIO(serve: () => void): void {
    this.#waiting.push(serve)
    if (this.#waiting.length === 1) setImmediate(this.#serveWaiting)
  }

  readonly #serveWaiting = (): void => {
    for (const serve of this.#waiting.splice(0)) serve()
  }

  /** A PING the feed answers proves it still hears Redis; one unanswered too long drops the feed. */
  #listen(): void {
    if (!this.#coherent) return
    if (performance.now() - this.#heardAt > silenceLimitMs) {
      this.#lose()
      this.#feed.disconnect(true)
      return
    }
    this.#feed.ping().then(
      () => this.#hear(),
      () => {},
    )
  }

  #hear(): void {
    this.#heardAt = performance.now()
  }

  #keep(key: string, value: unknown): void {
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string
      this.#entries.delete(oldest)
    }
    this.#entries.set(key, value)
  }

  /**
   * null: Redis dropped every key (FLUSHDB, or its tracking table was full). Unlike a key's change,
   * which Redis broadcasts before it answers the client that made it, this message is queued while
   * the flush runs and may reach the socket just after the flushing client's answer: a read in that
   * same instant can still see a copy. tapgate itself never flushes; its revocations delete keys.
   */
  #forget(keys: Buffer[] | null): void {
    this.#hear()
    if (keys === null) {
      this.#clear()
      return
    }
    for (const key of keys) {
      const name = key.toString()
      this.#entries.delete(name)
      this.#pending.delete(name)
    }
  }

  async #follow(connection: number): Promise<void> {
    try {
      const id = await this.#feed.client('ID')
      await this.#feed.call(
        'CLIENT',
        'TRACKING',
        'ON',
        'REDIRECT',
        String(id),
        'BCAST',
        'PREFIX',
        this.#prefix,
      )
      await this.#feed.subscribe(invalidationChannel)
    } catch {
      // The connection failed during set-up: its 'close' follows, and the next one tries again.
      return
    }
    if (connection !== this.#connection) return
    this.#hear()
    this.#coherent = true
  }

  #lose(): void {
    this.#connection++
    this.#coherent = false
    this.#clear()
  }

  #clear(): void {
    this.#entries.clear()
    this.#pending.clear()
  }
}

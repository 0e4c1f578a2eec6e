import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import { tapgateVersion } from './version.ts'

/**
 * What tapgate tells Prometheus, on its own listener (`metrics.listen`), never on the public one.
 * One registry per gateway, so several gateways in one process (tests) keep their numbers apart.
 * Labels take values from small fixed sets only: never a username, path or address.
 */
export class Metrics {
  readonly registry = new Registry()

  /** Panel traffic by what the rules decided and the status the client got (`countRequest`). */
  readonly #requests = new Counter({
    name: 'tapgate_requests_total',
    help: 'Requests to the panel by policy decision (bypass, two_factor, deny, refused) and status code',
    labelNames: ['policy', 'status'] as const,
    registers: [this.registry],
    collect: () => this.#reportRequests(),
  })

  /** Requests counted since the last scrape, by policy, then status. */
  readonly #unreported = new Map<string, Map<number, number>>()

  readonly upstreamLatency = new Histogram({
    name: 'tapgate_upstream_response_seconds',
    help: "Time until the panel's response headers arrived",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  })

  readonly loginAttempts = new Counter({
    name: 'tapgate_login_attempts_total',
    help: 'Sign-in and enrollment attempts by step, factor and result',
    labelNames: ['step', 'factor', 'result'] as const,
    registers: [this.registry],
  })

  readonly loginsRefused = new Counter({
    name: 'tapgate_logins_refused_total',
    help: 'Panel logins refused before reaching the panel, by reason (ambiguous username, bad encoding …)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  })

  readonly lockouts = new Counter({
    name: 'tapgate_lockouts_total',
    help: 'Lockouts begun, of a user or of a client address',
    labelNames: ['subject'] as const,
    registers: [this.registry],
  })

  /** Requests refused or cut by `limits` or `upstream.pool`, by the setting that stopped them. */
  readonly limited = new Counter({
    name: 'tapgate_requests_limited_total',
    help: 'Requests refused or cut by a limit: body_idle_timeout, body_min_rate, per_ip_concurrency, socket_wait',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  })

  /** Always 1: its label says which release a gateway runs. */
  readonly buildInfo = new Gauge({
    name: 'tapgate_build_info',
    help: "tapgate's version, as a label",
    labelNames: ['version'] as const,
    registers: [this.registry],
    // Summed over workers (server.workers) it would say 2; every worker runs the same release.
    aggregator: 'first',
  })

  constructor({ processMetrics = true }: { processMetrics?: boolean } = {}) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'tapgate_' })
    this.buildInfo.set({ version: tapgateVersion }, 1)
  }

  /**
   * One request to the panel. Counted here and handed to the counter when Prometheus scrapes:
   * prom-client builds and checks a label key on every `inc`, and this is every request.
   */
  countRequest(policy: string, status: number): void {
    let byStatus = this.#unreported.get(policy)
    if (byStatus === undefined) {
      byStatus = new Map()
      this.#unreported.set(policy, byStatus)
    }
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1)
  }

  #reportRequests(): void {
    for (const [policy, byStatus] of this.#unreported) {
      for (const [status, count] of byStatus) this.#requests.inc({ policy, status }, count)
    }
    this.#unreported.clear()
  }

  /**
   * `tapgate_store_up`: whether the store answered at this scrape. A scrape never fails for the store:
   * during an outage every other series is still served, and this one says 0.
   */
  watchStore(ping: () => Promise<void>): void {
    new Gauge({
      name: 'tapgate_store_up',
      help: 'Whether the store answered a ping at this scrape (1) or not (0)',
      registers: [this.registry],
      // Up only when every worker reaches it.
      aggregator: 'min',
      async collect() {
        this.set(
          await ping().then(
            () => 1,
            () => 0,
          ),
        )
      },
    })
  }

  /**
   * A gauge read from the store when Prometheus scrapes, not kept in step with every request. While
   * the store cannot answer, the gauge says NaN: an unknown count, not a zero.
   */
  gaugeFromStore(name: string, help: string, read: () => Promise<number>): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      // Every worker reads the same store.
      aggregator: 'first',
      async collect() {
        try {
          this.set(await read())
        } catch {
          this.set(Number.NaN)
        }
      },
    })
  }
}

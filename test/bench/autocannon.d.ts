// autocannon ships no types; this declares only the part of its API the benchmark uses.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  export interface Options {
    url: string
    connections?: number
    /** Seconds. */
    duration?: number
    /** Milliseconds between samples (1000); a run ends at the first sample after its duration. */
    sampleInt?: number
    headers?: Record<string, string>
  }

  export interface Histogram {
    average: number
    total: number
    p50: number
    p99: number
  }

  export interface Result {
    /** Seconds the run actually took. */
    duration: number
    requests: Histogram
    latency: Histogram
    errors: number
    timeouts: number
    non2xx: number
  }

  /** Emits 'response' (client, statusCode, bytes, milliseconds) per answer; resolves when the run ends. */
  export interface Instance extends EventEmitter, PromiseLike<Result> {
    stop(): void
  }

  export default function autocannon(options: Options): Instance
}

import { Transform, type TransformCallback } from 'node:stream'
import { HtmlHeadScanner } from './html-head-scanner.ts'

/** A page whose `<body>` has not started by then is left alone: the scan must not cost a long page. */
const scanLimitBytes = 64 * 1024

/**
 * Adds `markup` to an HTML page just after its `<body …>` start tag, as the page streams: each chunk
 * goes on as it arrives (the one holding the tag's end carries the markup too), nothing is held back,
 * and once the tag is found, or the first 64 KiB went by without it, the rest passes unread.
 * `allowedBy` hears the Content-Security-Policy `<meta>` tags the page's head declared, and may
 * decline the insertion.
 */
export class InsertAfterBodyTag extends Transform {
  #scanner: HtmlHeadScanner | null = new HtmlHeadScanner()
  #scannedBytes = 0

  constructor(
    private readonly markup: Buffer,
    private readonly allowedBy: (metaPolicies: readonly string[]) => boolean,
  ) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const scanner = this.#scanner
    done(null, scanner === null ? chunk : this.#insertInto(chunk, scanner))
  }

  /** The chunk, with the markup in it when the body's start tag ends there. */
  #insertInto(chunk: Buffer, scanner: HtmlHeadScanner): Buffer {
    const scanned = chunk.subarray(0, scanLimitBytes - this.#scannedBytes)
    this.#scannedBytes += scanned.length
    const at = scanner.scan(scanned)
    if (at !== -1 || this.#scannedBytes >= scanLimitBytes) this.#scanner = null
    if (at === -1 || !this.allowedBy(scanner.metaPolicies)) return chunk
    return Buffer.concat([chunk.subarray(0, at), this.markup, chunk.subarray(at)])
  }
}

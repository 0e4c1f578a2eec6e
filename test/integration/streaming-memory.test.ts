import { request } from 'node:http'
import { pipeline } from 'node:stream/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../support/free-port.ts'
import { type LogLine, testEncryptionKey } from '../support/gateway.ts'
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process.ts'
import {
  generatedBody,
  limitRate,
  type RecordingUpstream,
  startRecordingUpstream,
} from '../support/upstream.ts'

const MiB = 1024 * 1024
const transferBytes = 200 * MiB
const warmUpBytes = 16 * MiB
/** The budget: neither transfer may raise the gateway's RSS by more than this. */
const rssBudgetKb = 64 * 1024
/**
 * The receiving end (the panel for the upload, the client for the download) reads this fast, slower
 * than the sending end writes: only backpressure then keeps the gateway from holding the difference.
 */
const slowReaderRate = 100 * MiB

let upstream: RecordingUpstream
let gateway: GatewayProcess
let startupOutput: string

beforeAll(async () => {
  upstream = await startRecordingUpstream()
  const port = await freePort()
  gateway = await startGatewayProcess(
    [
      `listen: 127.0.0.1:${port}`,
      `public_url: http://127.0.0.1:${port}`,
      `upstream: { url: '${upstream.url}' }`,
      'first_factor: { panel_cookies: [PANELSESSID], confirm_identity: { header: X-Panel-User } }',
      `encryption_key: ${testEncryptionKey}`,
      'store: { embedded_path: store.db }',
      "rules: [{ prefix: '/', policy: bypass }]",
    ].join('\n'),
  )
  await gateway.waitForOutput(/"msg":"tapgate listening"/)
  startupOutput = gateway.output()
})
afterAll(async () => {
  await gateway?.stop()
  await upstream?.close()
})

/** POSTs a generated body through node:http (no fetch buffering); resolves with the answer's text. */
async function upload(url: string, total: number): Promise<{ status: number; text: string }> {
  const outgoing = request(url, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(total) },
  })
  const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
    outgoing.once('response', (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (part: string) => {
        text += part
      })
      response.once('end', () => resolve({ status: response.statusCode ?? 0, text }))
      response.once('error', reject)
    })
    outgoing.once('error', reject)
  })
  await pipeline(generatedBody(total), outgoing)
  return answered
}

/** GETs a URL and counts the body's bytes, discarding them, reading at `rate` bytes/s at most. */
function download(url: string, rate: number): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { agent: false }, (response) => {
      limitRate(response, rate)
      let bytes = 0
      response.on('data', (part: Buffer) => {
        bytes += part.length
      })
      response.once('end', () => resolve({ status: response.statusCode ?? 0, bytes }))
      response.once('error', reject)
    })
    outgoing.once('error', reject)
    outgoing.end()
  })
}

describe('streaming through a tapgate process', () => {
  it('starts cleanly: nothing but JSON log lines, none above info, one of them "tapgate listening"', () => {
    const lines = startupOutput.split('\n').filter(Boolean)
    expect(lines.filter((line) => !line.startsWith('{"level":'))).toEqual([])
    const logs = lines.map((line) => JSON.parse(line) as LogLine)
    expect(logs.filter((line) => line.level > 30)).toEqual([])
    expect(logs.filter((line) => line.event === 'started')).toMatchObject([
      { msg: 'tapgate listening', url: gateway.url, upstream: upstream.url, store: 'embedded' },
    ])
  })

  it('carries a 200 MB upload and a 200 MB download while its RSS grows by less than 64 MB', async () => {
    // A smaller transfer each way first, at the same pace: the panel client compiles its HTTP parser
    // on first use and the allocator grows its arenas for this traffic once, one-time costs that are
    // no growth. What the budget then holds is that memory does not grow with the size of a transfer.
    expect((await upload(`${gateway.url}/upload?warm-up&rate=${slowReaderRate}`, warmUpBytes)).status).toBe(
      200,
    )
    expect(await download(`${gateway.url}/download?bytes=${warmUpBytes}`, slowReaderRate)).toEqual({
      status: 200,
      bytes: warmUpBytes,
    })
    const baselineKb = gateway.rssKb()
    gateway.resetPeakRss()

    const uploadTarget = `/upload?rate=${slowReaderRate}`
    const uploaded = await upload(`${gateway.url}${uploadTarget}`, transferBytes)
    expect(uploaded.status).toBe(200)
    expect(JSON.parse(uploaded.text)).toEqual({ bytes: transferBytes })
    expect(upstream.requests.filter((r) => r.target === uploadTarget).map((r) => r.bodyBytes)).toEqual([
      transferBytes,
    ])
    const afterUploadKb = gateway.peakRssKb()

    const downloaded = await download(`${gateway.url}/download?bytes=${transferBytes}`, slowReaderRate)
    expect(downloaded).toEqual({ status: 200, bytes: transferBytes })

    const peakKb = gateway.peakRssKb()
    const figures = `baseline ${baselineKb} KiB, peak after upload ${afterUploadKb} KiB, peak ${peakKb} KiB`
    expect(peakKb - baselineKb, figures).toBeLessThan(rssBudgetKb)
  })
})

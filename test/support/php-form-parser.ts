import { request as httpRequest } from 'node:http'
import { fileURLToPath } from 'node:url'
import { startForegroundServer } from './foreground-server.ts'
import { freePort } from './free-port.ts'
import { startJsonLinesChild } from './json-lines-child.ts'
import { type PanelReading, type PanelRequest, parseReadingLine, requestLine } from './panel-reading.ts'

const PHP = '/usr/bin/php'
const parsers = fileURLToPath(new URL('./parsers/', import.meta.url))

/** PHP 8 reading login requests: the panel side of the differential tests. */
export interface PhpFormParser {
  /** Urlencoded and JSON bodies, through parse_str() and json_decode() in one long-lived `php`. */
  read(requests: readonly PanelRequest[]): Promise<PanelReading[]>
  /**
   * Any body through PHP's own SAPI ($_POST, $_FILES), which multipart needs: parse_str() does not
   * read it. One `php -S` serves them all; it closes each connection, so each is a fresh loopback one.
   */
  readThroughSapi(requests: readonly PanelRequest[]): Promise<PanelReading[]>
  stop(): Promise<void>
}

export async function startPhpFormParser(): Promise<PhpFormParser> {
  const cli = startJsonLinesChild(PHP, [`${parsers}parse-form.php`])
  const port = await freePort()
  const server = await startForegroundServer({
    name: 'php -S',
    command: PHP,
    args: ['-S', `127.0.0.1:${port}`, '-t', parsers, `${parsers}router.php`],
    port,
    stopSignal: 'SIGTERM',
    cleanUp: async () => {},
  })
  return {
    async read(requests) {
      return (await cli.ask(requests.map(requestLine))).map(parseReadingLine)
    },
    async readThroughSapi(requests) {
      const readings: PanelReading[] = []
      for (const request of requests) readings.push(parseReadingLine(await post(port, request)))
      return readings
    },
    async stop() {
      await Promise.all([cli.stop(), server.stop()])
    },
  }
}

function post(port: number, { contentType, body, query, field }: PanelRequest): Promise<string> {
  const headers: Record<string, string> = { 'content-length': String(body.length), 'x-login-field': field }
  if (contentType !== undefined) headers['content-type'] = contentType
  return new Promise((resolve, reject) => {
    const sent = httpRequest(
      { host: '127.0.0.1', port, method: 'POST', path: query === '' ? '/login' : `/login?${query}`, headers },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
        response.on('error', reject)
      },
    )
    sent.on('error', reject)
    sent.end(body)
  })
}

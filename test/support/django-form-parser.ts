import { fileURLToPath } from 'node:url'
import { startJsonLinesChild } from './json-lines-child.ts'
import { type PanelReading, type PanelRequest, parseReadingLine, requestLine } from './panel-reading.ts'

/** Debian's python3-django is installed for Debian's Python; the `python3` on PATH may be another. */
const PYTHON = '/usr/bin/python3'
const script = fileURLToPath(new URL('./parsers/parse_form.py', import.meta.url))

/** Django 3.2 reading login requests (a real WSGIRequest each), in one long-lived Python process. */
export interface DjangoFormParser {
  read(requests: readonly PanelRequest[]): Promise<PanelReading[]>
  stop(): Promise<void>
}

export function startDjangoFormParser(): DjangoFormParser {
  const child = startJsonLinesChild(PYTHON, [script])
  return {
    async read(requests) {
      return (await child.ask(requests.map(requestLine))).map(parseReadingLine)
    },
    stop: () => child.stop(),
  }
}

import type { ClientRequest } from 'node:http'

const messages = {
  timeout: 'upstream did not answer in time',
  unreachable: 'upstream unreachable',
  busy: 'no connection to the upstream came free in time',
} as const

export class UpstreamError extends Error {
  override name = 'UpstreamError'
  constructor(
    readonly kind: 'timeout' | 'unreachable' | 'busy',
    cause: unknown,
  ) {
    super(messages[kind], { cause })
  }
}

/**
 * How a request to the panel fails: a socket error is 'unreachable', and no answer head within
 * `timeoutMs` of the last byte sent is 'timeout'. `fail` is for the caller's own failures too;
 * `answered` stops the clock.
 */
export function watchForAnswer(
  outgoing: ClientRequest,
  timeoutMs: number,
  reject: (error: UpstreamError) => void,
): { fail: (error: UpstreamError) => void; answered: () => void } {
  let timer: NodeJS.Timeout | undefined
  const fail = (error: UpstreamError) => {
    clearTimeout(timer)
    outgoing.destroy()
    reject(error)
  }
  outgoing.on('error', (error) => fail(new UpstreamError('unreachable', error)))
  outgoing.on('finish', () => {
    timer = setTimeout(() => fail(new UpstreamError('timeout', null)), timeoutMs)
  })
  return { fail, answered: () => clearTimeout(timer) }
}

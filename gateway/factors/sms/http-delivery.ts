import type { Delivery } from './notifier.ts'

/** One request as sent: built afresh for each try, so that a retry can carry a new signature. */
export interface Attempt {
  url: string
  init: { headers: Record<string, string>; body: string }
}

type Outcome = { ok: true } | { ok: false; retry: boolean; detail: string }

/**
 * POSTs the request, and once more when the first try may have failed in passing: no answer, no
 * answer in time, or a 5xx. A 4xx (or a redirect) is the provider's considered refusal and is final.
 * Each try has its own timeout. `explain` may add a safe detail from a refusal's body (never the body).
 */
export async function postWithOneRetry(
  name: string,
  timeoutMs: number,
  build: () => Attempt,
  explain: (response: Response) => Promise<string> = async () => '',
): Promise<Delivery> {
  const first = await attempt(name, timeoutMs, build(), explain)
  if (first.ok) return first
  if (!first.retry) return { ok: false, detail: first.detail }
  const second = await attempt(name, timeoutMs, build(), explain)
  if (second.ok) return second
  return { ok: false, detail: `${first.detail}; retried: ${second.detail}` }
}

async function attempt(
  name: string,
  timeoutMs: number,
  { url, init }: Attempt,
  explain: (response: Response) => Promise<string>,
): Promise<Outcome> {
  let response: Response
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'user-agent': 'tapgate', ...init.headers },
      body: init.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError'
    return {
      ok: false,
      retry: true,
      detail: `${name}: ${timedOut ? `no answer within ${timeoutMs} ms` : why(error)}`,
    }
  }
  if (response.ok) {
    await response.body?.cancel()
    return { ok: true }
  }
  const extra = response.status >= 400 && response.status < 500 ? await explain(response).catch(() => '') : ''
  await response.body?.cancel().catch(() => undefined)
  return { ok: false, retry: response.status >= 500, detail: `${name}: HTTP ${response.status}${extra}` }
}

function why(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  // fetch says only "fetch failed"; the cause says why (ECONNREFUSED, a reset …).
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ''
  return `${error.message}${cause}`
}

/** A script's call to tapgate: JSON both ways, with the page's CSRF token (`<meta name="csrf-token">`). */
export interface Answer {
  ok: boolean
  body: { redirect?: string; message?: string } & Record<string, unknown>
}

const csrfToken = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? ''

export async function post(url: string, body: unknown): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
    body: JSON.stringify(body),
  })
  return { ok: response.ok, body: await response.json().catch(() => ({})) }
}

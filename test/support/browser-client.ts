/**
 * A minimal browser over fetch: keeps cookies per name, sends Accept: text/html and, on POST, the
 * Origin header a real browser sends. Redirects are not followed, so each hop can be asserted.
 * Assertions about Set-Cookie use `response.headers.getSetCookie()`, which keeps duplicates.
 */
export class BrowserClient {
  readonly cookies = new Map<string, string>()

  /** `publicOrigin`: the Origin a browser sends, i.e. tapgate's public_url (behind a load balancer). */
  constructor(
    readonly origin: string,
    readonly publicOrigin = origin,
    /** Sent with every request, e.g. a browser's User-Agent. */
    readonly ownHeaders: Record<string, string> = {},
  ) {}

  get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, { method: 'GET', headers })
  }

  postForm(
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return this.request(path, {
      method: 'POST',
      body: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: this.publicOrigin, ...headers },
    })
  }

  /**
   * A script's fetch() with a JSON body, as web/webauthn.ts sends it: fetch's default Accept (any
   * type, so tapgate answers problems as JSON) and the Origin header. The CSRF token, when wanted,
   * goes in `headers` as `x-csrf-token`.
   */
  postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { accept: '*/*', 'content-type': 'application/json', origin: this.publicOrigin, ...headers },
    })
  }

  async request(path: string, init: { method: string; body?: string; headers: Record<string, string> }) {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    const response = await fetch(`${this.origin}${path}`, {
      method: init.method,
      redirect: 'manual',
      ...(init.body === undefined ? {} : { body: init.body }),
      headers: { accept: 'text/html', ...this.ownHeaders, ...(cookie ? { cookie } : {}), ...init.headers },
    })
    for (const setCookie of response.headers.getSetCookie()) this.#store(setCookie)
    return response
  }

  #store(setCookie: string) {
    const [pair = ''] = setCookie.split(';')
    const eq = pair.indexOf('=')
    const name = pair.slice(0, eq).trim()
    const value = pair.slice(eq + 1).trim()
    if (value === '' || /;\s*max-age=0/i.test(setCookie)) this.cookies.delete(name)
    else this.cookies.set(name, value)
  }
}

/** The CSRF token of the first form on a tapgate page. */
export function csrfTokenIn(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html)
  if (!match?.[1]) throw new Error('no CSRF token on the page')
  return match[1]
}

/** The CSRF token a page hands its script, in `<meta name="csrf-token">`. */
export function csrfMetaIn(html: string): string {
  const match = /<meta name="csrf-token" content="([^"]+)"/.exec(html)
  if (!match?.[1]) throw new Error('no csrf-token meta tag on the page')
  return match[1]
}

/** Where the first form on a page posts to, as a browser would submit it. */
export function formActionIn(html: string): string {
  const match = /<form[^>]* action="([^"]+)"/.exec(html)
  if (!match?.[1]) throw new Error('no form on the page')
  return match[1]
}

/**
 * Where a link of the enrollment page's "Other ways to set up" goes (`?method=…`), found by its text,
 * as a user picks another way.
 */
export function otherWayToSetUpIn(html: string, label: string): string {
  const nav = /<nav [^>]*aria-label="Ways to set up two-step verification"[^>]*>([\s\S]*?)<\/nav>/.exec(html)
  const links = [...(nav?.[1] ?? '').matchAll(/<a [^>]*href="([^"]+)"[^>]*>([\s\S]*?)<\/a>/g)]
  const link = links.find((match) => match[2]?.replace(/<[^>]*>/g, ' ').includes(label))
  if (!link?.[1]) throw new Error(`no "${label}" under "Other ways to set up"`)
  return link[1].replaceAll('&amp;', '&')
}

/** The TOTP secret shown for manual entry on the enrollment page. */
export function totpSecretIn(html: string): string {
  const match = /<code class="secret">([A-Z2-7 ]+)<\/code>/.exec(html)
  if (!match?.[1]) throw new Error('no TOTP secret on the page')
  return match[1].replaceAll(' ', '')
}

/** The recovery codes listed on the page that shows a new set. */
export function recoveryCodesIn(html: string): string[] {
  return [...html.matchAll(/<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<\/code>/g)].map((m) => m[1] as string)
}

/**
 * What a page loads for the way it shows: nothing, the page script (a countdown, "Copy key"), or the
 * script and the CSRF token its fetches carry (a security key's ceremony; layout.tsx).
 */
export type PageScript = 'none' | 'page' | 'with-token'

/** Layout's props for it. */
export function layoutScript(script: PageScript, csrfToken: string): { script: boolean; csrfToken?: string } {
  if (script === 'with-token') return { script: true, csrfToken }
  return { script: script === 'page' }
}

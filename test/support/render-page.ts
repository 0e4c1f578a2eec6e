import type { JSX } from 'hono/jsx/jsx-runtime'

/**
 * Renders a synchronous hono/jsx page to an HTML string. Adds a doctype only when the page did not
 * emit one (Layout does), so fragments render as full documents too.
 */
export function renderPage(element: JSX.Element): string {
  if (element instanceof Promise) throw new Error('renderPage: async components are not supported')
  const html = element.toString()
  if (typeof html !== 'string') throw new Error('renderPage: the page rendered asynchronously')
  return /^<!doctype html>/i.test(html) ? html : `<!doctype html>${html}`
}

import type { JSX } from 'hono/jsx/jsx-runtime'

/**
 * Renders a synchronous hono/jsx page to an HTML document string, doctype first, the way the routes
 * send it (c.html(`<!doctype html>${page}`)).
 */
export function renderPage(element: JSX.Element): string {
  if (element instanceof Promise) throw new Error('renderPage: async components are not supported')
  const html = element.toString()
  if (typeof html !== 'string') throw new Error('renderPage: the page rendered asynchronously')
  return /^<!doctype html>/i.test(html) ? html : `<!doctype html>${html}`
}
